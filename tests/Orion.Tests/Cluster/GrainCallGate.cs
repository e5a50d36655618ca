using System.Collections.Concurrent;
using System.Reflection;

namespace Orion.Tests.Cluster;

/// <summary>
/// Holds calls to chosen grain methods (<c>Interface.Method</c>) at the silo, inside the callee's turn, until opened: a grain
/// slow to answer (moving silos, say) without the wall-clock wait.
/// </summary>
public sealed class GrainCallGate
{
    private readonly ConcurrentDictionary<string, (TaskCompletionSource Opened, TaskCompletionSource Held)> closed = new(StringComparer.Ordinal);

    /// <summary>Holds the next calls to <paramref name="name"/>; the task completes once one is held.</summary>
    public Task Close(string name) =>
        closed.GetOrAdd(name, _ => (new(TaskCreationOptions.RunContinuationsAsynchronously), new(TaskCreationOptions.RunContinuationsAsynchronously))).Held.Task;

    /// <summary>Lets the held calls to <paramref name="name"/> (and later ones) through.</summary>
    public void Open(string name)
    {
        if (closed.TryRemove(name, out var gate))
        {
            gate.Opened.TrySetResult();
        }
    }

    public Task Pass(MethodInfo? method)
    {
        if (!closed.TryGetValue($"{method?.DeclaringType?.Name}.{method?.Name}", out var gate))
        {
            return Task.CompletedTask;
        }

        gate.Held.TrySetResult();
        return gate.Opened.Task;
    }
}
