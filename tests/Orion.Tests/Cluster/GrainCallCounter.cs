using System.Collections.Concurrent;
using System.Reflection;

namespace Orion.Tests.Cluster;

/// <summary>
/// Counts the grain calls a test pool's silo receives, by interface and method (<c>IGpuGrain.Reserve</c>), and by interface,
/// method and grain (<c>IGpuGrain.Reserve@dc1/n0/0</c>). A grain timer's tick counts too, as it starts
/// (<c>IGrainTimerInvoker.InvokeCallbackAsync@dc1/n0</c>). Calls the silo sends count apart (<c>sent:INodeDaemon.Stop</c>).
/// </summary>
public sealed class GrainCallCounter
{
    private readonly ConcurrentDictionary<string, int> calls = new(StringComparer.Ordinal);

    public void Record(MethodInfo? method, GrainId? target = null)
    {
        var name = $"{method?.DeclaringType?.Name}.{method?.Name}";
        calls.AddOrUpdate(name, 1, (_, n) => n + 1);
        if (target is { } id)
        {
            calls.AddOrUpdate($"{name}@{id.Key}", 1, (_, n) => n + 1);
        }
    }

    /// <summary>Records a call sent from the silo (a grain's call to another grain or to a daemon's observer), as <c>sent:Interface.Method</c>.</summary>
    public void RecordSent(MethodInfo? method) => calls.AddOrUpdate($"sent:{method?.DeclaringType?.Name}.{method?.Name}", 1, (_, n) => n + 1);

    /// <summary>Calls to <paramref name="name"/> (<c>Interface.Method</c> or <c>Interface.Method@key</c>) since the last <see cref="Clear"/>.</summary>
    public int this[string name] => calls.GetValueOrDefault(name);

    public void Clear() => calls.Clear();
}
