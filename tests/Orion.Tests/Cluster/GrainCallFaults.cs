using System.Collections.Concurrent;
using System.Reflection;
using Orleans.Concurrency;

namespace Orion.Tests.Cluster;

/// <summary>
/// Makes chosen grain methods (<c>Interface.Method</c>) fail at the silo, as a silo of an older build without them would, or
/// loses chosen calls on their way there.
/// </summary>
public sealed class GrainCallFaults
{
    private readonly ConcurrentDictionary<string, bool> failing = new(StringComparer.Ordinal);

    // Calls to fail once, by method and grain key ("IVGpuTaskGrain.OnNodeLost@task-1").
    private readonly ConcurrentDictionary<string, int> failingOnce = new(StringComparer.Ordinal);

    // Calls to lose once on their way out, keyed the same way.
    private readonly ConcurrentDictionary<string, int> losingOnce = new(StringComparer.Ordinal);

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

        return TakeOne(failingOnce, $"{NameOf(method)}@{target.Key}");
    }

    /// <summary>
    /// Loses the next <paramref name="times"/> calls to <paramref name="name"/> on the grain keyed <paramref name="grainKey"/> on
    /// their way out: the caller never hears back, as with a request sent through a gateway that died.
    /// </summary>
    public void LoseNext(string name, string grainKey, int times = 1) => losingOnce[$"{name}@{grainKey}"] = times;

    /// <summary>Calls still to lose of those set by <see cref="LoseNext"/>.</summary>
    public int StillToLose(string name, string grainKey) => losingOnce.GetValueOrDefault($"{name}@{grainKey}");

    /// <summary>Whether to lose this call: one set for its grain's key, or for any (<see cref="AnyGrain"/>: a daemon's observer, say).</summary>
    public bool Loses(MethodInfo? method, GrainId target) =>
        TakeOne(losingOnce, $"{NameOf(method)}@{target.Key}") || TakeOne(losingOnce, $"{NameOf(method)}@{AnyGrain}");

    /// <summary>The grain key that stands for any grain in <see cref="LoseNext"/>.</summary>
    public const string AnyGrain = "*";

    /// <summary>An outgoing call filter: loses the call when one is set for it (<see cref="LoseNext"/>), else sends it.</summary>
    public Task LoseOrSend(IOutgoingGrainCallContext call) => Loses(call.InterfaceMethod, call.TargetId) ? Unanswered(call) : call.Invoke();

    /// <summary>
    /// What the caller of a lost call sees: nothing until its response timeout (Orleans' 30 s unless the method sets its own),
    /// then a timeout; for a one-way call nothing at all, as its caller never waits.
    /// </summary>
    private static Task Unanswered(IOutgoingGrainCallContext call)
    {
        if (call.InterfaceMethod?.GetCustomAttribute<OneWayAttribute>() is null)
        {
            return TimeOut(call.InterfaceMethod);
        }

        // Orleans takes a filter that sets no result for a broken one.
        call.Result = null;
        return Task.CompletedTask;
    }

    private static async Task TimeOut(MethodInfo? method)
    {
        // The method's own response timeout where it has one, as Orleans keeps it.
        var timeout = method?.GetCustomAttribute<ResponseTimeoutAttribute>()?.Timeout ?? TimeSpan.FromSeconds(30);
        await Task.Delay(timeout);
        throw new TimeoutException($"{NameOf(method)} was lost: no response within {timeout}");
    }

    private static bool TakeOne(ConcurrentDictionary<string, int> counts, string key)
    {
        while (counts.TryGetValue(key, out var left) && left > 0)
        {
            if (counts.TryUpdate(key, left - 1, left))
            {
                return true;
            }
        }

        return false;
    }

    private static string NameOf(MethodInfo? method) => $"{method?.DeclaringType?.Name}.{method?.Name}";
}
