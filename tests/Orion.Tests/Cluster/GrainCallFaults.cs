using System.Collections.Concurrent;
using System.Reflection;

namespace Orion.Tests.Cluster;

/// <summary>Makes chosen grain methods (<c>Interface.Method</c>) fail at the silo, as a silo of an older build without them would.</summary>
public sealed class GrainCallFaults
{
    private readonly ConcurrentDictionary<string, bool> failing = new(StringComparer.Ordinal);

    // Calls to fail once, by method and grain key ("IVGpuTaskGrain.OnNodeLost@task-1").
    private readonly ConcurrentDictionary<string, int> failingOnce = new(StringComparer.Ordinal);

    public void Fail(string name) => failing[name] = true;

    /// <summary>Fails the next <paramref name="times"/> calls to <paramref name="name"/> on the grain keyed <paramref name="grainKey"/>.</summary>
    public void FailNext(string name, string grainKey, int times = 1) => failingOnce[$"{name}@{grainKey}"] = times;

    /// <summary>Lets a failed method through again.</summary>
    public void Heal(string name) => failing.TryRemove(name, out _);

    /// <summary>Calls still to fail of those set by <see cref="FailNext"/>.</summary>
    public int StillToFail(string name, string grainKey) => failingOnce.GetValueOrDefault($"{name}@{grainKey}");

    public bool Fails(MethodInfo? method) => failing.ContainsKey(NameOf(method));

    public bool Fails(MethodInfo? method, GrainId target)
    {
        if (Fails(method))
        {
            return true;
        }

        var key = $"{NameOf(method)}@{target.Key}";
        while (failingOnce.TryGetValue(key, out var left) && left > 0)
        {
            if (failingOnce.TryUpdate(key, left - 1, left))
            {
                return true;
            }
        }

        return false;
    }

    private static string NameOf(MethodInfo? method) => $"{method?.DeclaringType?.Name}.{method?.Name}";
}
