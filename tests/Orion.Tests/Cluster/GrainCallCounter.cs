using System.Collections.Concurrent;
using System.Reflection;

namespace Orion.Tests.Cluster;

/// <summary>Counts the grain calls a test pool's silo receives, by interface and method (<c>IGpuGrain.Reserve</c>).</summary>
public sealed class GrainCallCounter
{
    private readonly ConcurrentDictionary<string, int> calls = new(StringComparer.Ordinal);

    public void Record(MethodInfo? method) =>
        calls.AddOrUpdate($"{method?.DeclaringType?.Name}.{method?.Name}", 1, (_, n) => n + 1);

    /// <summary>Calls to <paramref name="name"/> (<c>Interface.Method</c>) since the last <see cref="Clear"/>.</summary>
    public int this[string name] => calls.GetValueOrDefault(name);

    public void Clear() => calls.Clear();
}
