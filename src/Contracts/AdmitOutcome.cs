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

    /// <summary>
    /// Over a compute or memory limit of a quota that lends (<see cref="TenantQuota.Borrow"/>): admitted on borrowed room,
    /// not charged against those limits. It may be queued now, is placed after tasks within their quotas, and is evicted
    /// when one of them needs its room.
    /// </summary>
    Borrowed = 3,
}
