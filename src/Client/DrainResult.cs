using System.Collections.Immutable;
using Orion.Contracts;

namespace Orion.Client;

/// <summary>What draining a node did.</summary>
/// <param name="Node">The node after its cordon.</param>
/// <param name="Evicted">The tasks stopped there and queued again, to be placed elsewhere.</param>
/// <param name="Left">Tasks holding capacity there not moved yet (placed an instant before the cordon and not started, or a
/// deployment's replica waiting for its deployment's other replicas to serve): drain again.</param>
/// <param name="Why">Why each task of <paramref name="Left"/> was not moved, by task id.</param>
public sealed record DrainResult(NodeSnapshot? Node, ImmutableArray<string> Evicted, ImmutableArray<string> Left, ImmutableDictionary<string, string>? Why = null);
