namespace Orion.Grains.Tenancy;

/// <summary>A task in line for room under its tenant's quota, with what it will be charged and whether it may borrow room (not online).</summary>
[GenerateSerializer, Alias("orion.TenantWaiter"), Immutable]
public sealed record TenantWaiter([property: Id(0)] string TaskId, [property: Id(1)] TenantCharge Charge, [property: Id(2)] bool MayBorrow = false);
