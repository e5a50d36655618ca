namespace Orion.Contracts;

/// <summary>What a tenant's quota says to a new task.</summary>
[GenerateSerializer, Alias("orion.AdmitOutcome")]
public enum AdmitOutcome
{
    /// <summary>Charged: it may be queued now.</summary>
    Admitted = 0,

    /// <summary>Not charged, and never will be for this request: the submit is refused.</summary>
    Refused = 1,

    /// <summary>In line for room under the quota: the tenant tells it when it is admitted.</summary>
    Waiting = 2,
}
