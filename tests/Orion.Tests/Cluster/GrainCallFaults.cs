using System.Collections.Concurrent;
using System.Reflection;

namespace Orion.Tests.Cluster;

/// <summary>Makes chosen grain methods (<c>Interface.Method</c>) fail at the silo, as a silo of an older build without them would.</summary>
public sealed class GrainCallFaults
{
    private readonly ConcurrentDictionary<string, bool> failing = new(StringComparer.Ordinal);

    public void Fail(string name) => failing[name] = true;

    /// <summary>Lets a failed method through again.</summary>
    public void Heal(string name) => failing.TryRemove(name, out _);

    public bool Fails(MethodInfo? method) => failing.ContainsKey($"{method?.DeclaringType?.Name}.{method?.Name}");
}
