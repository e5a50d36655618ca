using System.Collections.Immutable;

namespace Orion.Grains.Deployments;

/// <summary>What a deployment does at one look at its replicas.</summary>
/// <param name="ScaledDown">Replicas of the current revision to cancel: more are live than asked for.</param>
/// <param name="Replaced">Replicas of an earlier revision to cancel: enough of the current one serve without them, or they do not serve.</param>
/// <param name="Submit">How many new replicas of the current revision to submit.</param>
public sealed record ReplicaDecision(ImmutableArray<string> ScaledDown, ImmutableArray<string> Replaced, int Submit)
{
    /// <summary>Nothing to do.</summary>
    public bool IsEmpty => ScaledDown.IsEmpty && Replaced.IsEmpty && Submit == 0;
}
