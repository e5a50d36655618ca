using System.Collections.Concurrent;
using Orion.Contracts;

namespace Orion.Grains;

/// <summary>
/// The node daemons that run inside this silo's own process (the embedded pool). A grain that holds one of
/// their observer references calls the daemon object directly: the same command and ack, without a message
/// through the silo's hosted client. Daemons in other processes are reached through their references.
/// </summary>
public sealed class InProcessDaemons
{
    private readonly ConcurrentDictionary<INodeDaemon, INodeDaemon> local = new();

    /// <summary>Makes <paramref name="daemon"/> the target of commands sent to <paramref name="reference"/>.</summary>
    public void Add(INodeDaemon reference, INodeDaemon daemon) => local[reference] = daemon;

    /// <summary>Forgets a daemon that stopped; its reference is then called like any remote one.</summary>
    public void Remove(INodeDaemon reference) => local.TryRemove(reference, out _);

    /// <summary>The in-process daemon behind <paramref name="reference"/>, or the reference itself.</summary>
    public INodeDaemon Resolve(INodeDaemon reference) => local.TryGetValue(reference, out var daemon) ? daemon : reference;
}
