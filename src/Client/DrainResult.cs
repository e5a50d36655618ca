using System.Collections.Immutable;
using Orion.Contracts;

namespace Orion.Client;

/// <summary>What draining a node did.</summary>
/// <param name="Node">The node after its cordon.</param>
/// <param name="Evicted">The tasks stopped there and queued again, to be placed elsewhere.</param>
/// <param name="Left">Tasks holding capacity there that could not be evicted yet (placed an instant before the cordon and not started): drain again.</param>
public sealed record DrainResult(NodeSnapshot? Node, ImmutableArray<string> Evicted, ImmutableArray<string> Left);
