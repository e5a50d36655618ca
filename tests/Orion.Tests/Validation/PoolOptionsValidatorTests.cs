using Orion.Grains;
using Orion.Contracts;

namespace Orion.Tests.Validation;

public sealed class PoolOptionsValidatorTests
{
    private static IReadOnlyList<string> Errors(PoolOptions options) =>
        new PoolOptionsValidator().Validate(null, options).Failures?.ToList() ?? [];

    [Fact]
    public void The_defaults_keep_every_rule()
    {
        Assert.Empty(Errors(new PoolOptions()));
        Assert.Empty(Errors(new PoolOptions { Policy = "Best-Fit" }));
    }

    [Theory]
    [InlineData("bestfit", "Orion:Pool:Policy must be one of random, spread, dot-product, gpu-packing, best-fit, fragmentation")]
    [InlineData("", "Orion:Pool:Policy must be one of")]
    public void An_unknown_policy_is_named_with_the_known_ones(string policy, string error)
    {
        var e = Assert.Single(Errors(new PoolOptions { Policy = policy }));
        Assert.StartsWith(error, e);
        Assert.EndsWith($"not '{policy}'", e);
    }

    [Fact]
    public void Each_broken_rule_is_reported_with_its_setting()
    {
        var errors = Errors(new PoolOptions
        {
            ComputeOversubscription = 0.5,
            MemoryOversubscription = double.NaN,
            DaemonLease = TimeSpan.Zero,
            LeaseCheckInterval = TimeSpan.FromSeconds(-1),
            UsageCheckpointInterval = TimeSpan.FromMilliseconds(999),
            CardFaultLimit = -1,
            CardFaultWindow = TimeSpan.Zero,
            IdleSchedulerCheckInterval = TimeSpan.Zero,
            PlacingTimeout = TimeSpan.Zero,
            StarvationLimit = TimeSpan.FromMinutes(-1),
            ReservationAttempts = 0,
            CatalogRetention = 0,
            EndedTaskRetention = TimeSpan.FromSeconds(30),
            DefaultDataCenter = "DC1",
        });
        Assert.Equal(
            ["ComputeOversubscription", "MemoryOversubscription", "DaemonLease", "LeaseCheckInterval", "UsageCheckpointInterval", "CardFaultLimit", "CardFaultWindow", "IdleSchedulerCheckInterval", "PlacingTimeout", "StarvationLimit", "ReservationAttempts", "CatalogRetention", "EndedTaskRetention", "DefaultDataCenter"],
            errors.Select(e => e.Split(' ')[0]["Orion:Pool:".Length..]));
        Assert.Contains("Orion:Pool:DefaultDataCenter must be 1 to 63 characters of lower-case letters", errors[^1]);
        Assert.StartsWith("Orion:Pool:UsageCheckpointInterval must be at least 1 second", errors[4]);
        Assert.StartsWith("Orion:Pool:EndedTaskRetention must be 0 (keep every ended task) or at least 00:01:00", errors[^2]);
        Assert.StartsWith("Orion:Pool:CardFaultLimit must be 0 (never) or more", errors[5]);
    }

    [Fact]
    public void The_fair_share_half_life_is_off_or_from_an_hour_to_thirty_days_and_is_the_settings_until_changed_live()
    {
        var errors = Errors(new PoolOptions { FairShareHalfLife = TimeSpan.FromMinutes(10), FairShareHistoryMaxAge = TimeSpan.FromSeconds(-1) });
        Assert.Equal(
            ["Orion:Pool:FairShareHalfLife must be 0 (off: only what tenants hold now counts) or from 1h to 30d, not '00:10:00'",
             "Orion:Pool:FairShareHistoryMaxAge must be 0 or more, not '-00:00:01'"],
            errors);
        Assert.Empty(Errors(new PoolOptions { FairShareHalfLife = TimeSpan.FromDays(30) }));
        Assert.Null(new PoolOptions().Settings().FairShareHalfLife);
        Assert.Equal(TimeSpan.FromDays(7), new PoolOptions { FairShareHalfLife = TimeSpan.FromDays(7) }.Settings().FairShareHalfLife);
        Assert.True(new PoolOptions { FairShareEviction = true }.Settings().FairShareEviction);
    }

    [Fact]
    public void A_default_quota_that_breaks_a_rule_is_named_as_its_setting()
    {
        var errors = Errors(new PoolOptions { DefaultQuota = new DefaultQuotaOptions { GpuPercent = -1, Tasks = -2, Borrow = true, MaxPriority = (PriorityClass)9 } });
        Assert.Equal(
        [
            "Orion:Pool:DefaultQuota:GpuPercent must be 0 to 100000000 (percent of one card, summed over cards)",
            "Orion:Pool:DefaultQuota:Tasks must not be negative",
            "Orion:Pool:DefaultQuota:MaxPriority must be offline, training or online, not 9",
        ],
        errors);
        Assert.Null(new DefaultQuotaOptions().Quota);
        Assert.Equal(new TenantQuota(Tasks: 3, MaxPriority: PriorityClass.Training), new DefaultQuotaOptions { Tasks = 3, MaxPriority = PriorityClass.Training }.Quota);
    }
}
