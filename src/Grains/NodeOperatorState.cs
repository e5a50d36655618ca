using System.Collections.Immutable;
using Orion.Contracts;

namespace Orion.Grains;

/// <summary>
/// A node grain's persisted state: what operators set on it, kept in storage unlike the rest of a node, which its daemon's
/// heartbeat rebuilds. A cordon (no new work, and why), cordons of single cards, the labels and taints set live over
/// the daemon's, each card's recent faults and its maintenance windows outlive the node grain's silo.
/// </summary>
[GenerateSerializer, Alias("orion.NodeCordon")]
public sealed class NodeOperatorState
{
    /// <summary>Why it is cordoned; null while it takes work.</summary>
    [Id(0)]
    public string? Reason { get; set; }

    /// <summary>When it was cordoned.</summary>
    [Id(1)]
    public DateTimeOffset? Since { get; set; }

    /// <summary>Labels set by operators, over the daemon's.</summary>
    [Id(2)]
    public ImmutableDictionary<string, string> Labels { get; set; } = ImmutableDictionary<string, string>.Empty;

    /// <summary>Taints set by operators, beside the daemon's.</summary>
    [Id(3)]
    public ImmutableDictionary<string, string> Taints { get; set; } = ImmutableDictionary<string, string>.Empty;

    /// <summary>Cards an operator cordoned (by card id, with why): they take no new work, their tasks run on.</summary>
    [Id(4)]
    public ImmutableDictionary<string, string> Cards { get; set; } = ImmutableDictionary<string, string>.Empty;

    /// <summary>When each card was reported broken within the pool's <c>CardFaultWindow</c> (by card id): a card that flaps is cordoned.</summary>
    [Id(5)]
    public ImmutableDictionary<string, ImmutableArray<DateTimeOffset>> CardFaults { get; set; } = ImmutableDictionary<string, ImmutableArray<DateTimeOffset>>.Empty;

    /// <summary>Maintenance windows not yet ended, in start order.</summary>
    [Id(6)]
    public ImmutableArray<MaintenanceWindow> Maintenance { get; set; } = [];

    /// <summary>The start of the window the node last went into (its cordon put on, its drain begun), so that is done once.</summary>
    [Id(7)]
    public DateTimeOffset? MaintenanceBegun { get; set; }
}
