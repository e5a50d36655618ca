using Microsoft.Extensions.Options;
using Orion.Contracts;

namespace Orion.Grains;

/// <summary>
/// The rules the pool's settings keep, checked when the silo starts: a typo in a policy name or a lease of zero
/// stops it with the setting named, instead of a silo that is up and fails every placement.
/// </summary>
public sealed class PoolOptionsValidator : IValidateOptions<PoolOptions>
{
    public ValidateOptionsResult Validate(string? name, PoolOptions options)
    {
        var errors = new List<string>();
        void Check(bool ok, string setting, string rule, object? value)
        {
            if (!ok)
            {
                errors.Add($"{PoolOptions.Section}:{setting} {rule}, not '{value}'");
            }
        }

        Check(PoolSettingsRules.IsPolicy(options.Policy), nameof(options.Policy), PoolSettingsRules.PolicyRule, options.Policy);
        Check(PoolSettingsRules.IsOversubscription(options.ComputeOversubscription), nameof(options.ComputeOversubscription), PoolSettingsRules.ComputeRule, options.ComputeOversubscription);
        Check(PoolSettingsRules.IsOversubscription(options.MemoryOversubscription), nameof(options.MemoryOversubscription), PoolSettingsRules.MemoryRule, options.MemoryOversubscription);
        Check(FairShare.IsHalfLife(options.FairShareHalfLife), nameof(options.FairShareHalfLife), FairShare.HalfLifeRule, options.FairShareHalfLife);
        Check(options.FairShareHistoryMaxAge >= TimeSpan.Zero, nameof(options.FairShareHistoryMaxAge), "must be 0 or more", options.FairShareHistoryMaxAge);
        Check(options.DaemonLease > TimeSpan.Zero, nameof(options.DaemonLease), "must be positive", options.DaemonLease);
        Check(options.DeploymentCheckInterval >= TimeSpan.FromMilliseconds(100) && options.DeploymentCheckInterval <= TimeSpan.FromHours(1),
            nameof(options.DeploymentCheckInterval), "must be from 100 ms to 1 h", options.DeploymentCheckInterval);
        Check(options.LeaseCheckInterval > TimeSpan.Zero, nameof(options.LeaseCheckInterval), "must be positive", options.LeaseCheckInterval);
        Check(options.UsageCheckpointInterval >= TimeSpan.FromSeconds(1), nameof(options.UsageCheckpointInterval), "must be at least 1 second", options.UsageCheckpointInterval);
        Check(options.CardFaultLimit >= 0, nameof(options.CardFaultLimit), "must be 0 (never) or more", options.CardFaultLimit);
        Check(options.CardFaultWindow > TimeSpan.Zero, nameof(options.CardFaultWindow), "must be positive", options.CardFaultWindow);
        Check(options.ResidenceCheckInterval > TimeSpan.Zero, nameof(options.ResidenceCheckInterval), "must be positive", options.ResidenceCheckInterval);
        Check(options.IndexResyncInterval > TimeSpan.Zero, nameof(options.IndexResyncInterval), "must be positive", options.IndexResyncInterval);
        Check(options.IdleSchedulerCheckInterval > TimeSpan.Zero, nameof(options.IdleSchedulerCheckInterval), "must be positive", options.IdleSchedulerCheckInterval);
        Check(options.PlacingTimeout > TimeSpan.Zero, nameof(options.PlacingTimeout), "must be positive", options.PlacingTimeout);
        Check(options.StarvationLimit >= TimeSpan.Zero, nameof(options.StarvationLimit), "must not be negative (zero: no node is held)", options.StarvationLimit);
        Check(options.SuspensionFlushDelay >= TimeSpan.Zero, nameof(options.SuspensionFlushDelay), "must be 0 or more", options.SuspensionFlushDelay);
        Check(options.MemoryPassDelay >= TimeSpan.Zero, nameof(options.MemoryPassDelay), "must be 0 or more", options.MemoryPassDelay);
        Check(options.SettingsMaxAge >= TimeSpan.Zero, nameof(options.SettingsMaxAge), "must be 0 or more", options.SettingsMaxAge);
        Check(options.DataCenterSummaryMaxAge >= TimeSpan.Zero, nameof(options.DataCenterSummaryMaxAge), "must be 0 or more", options.DataCenterSummaryMaxAge);
        Check(options.ReservationAttempts >= 1, nameof(options.ReservationAttempts), "must be at least 1", options.ReservationAttempts);
        Check(options.CatalogRetention >= 1, nameof(options.CatalogRetention), "must be at least 1", options.CatalogRetention);
        Check(options.EndedTaskRetention == TimeSpan.Zero || options.EndedTaskRetention >= TimeSpan.FromMinutes(1), nameof(options.EndedTaskRetention),
            "must be 0 (keep every ended task) or at least 00:01:00", options.EndedTaskRetention);
        Check(options.CatalogCheckpointInterval > TimeSpan.Zero, nameof(options.CatalogCheckpointInterval), "must be positive", options.CatalogCheckpointInterval);
        Check(DataCenterName.IsValid(options.DefaultDataCenter), nameof(options.DefaultDataCenter), DataCenterName.Rule, options.DefaultDataCenter);
        foreach (var error in options.DefaultQuota.Quota?.Validate() ?? [])
        {
            // quota.gpuPercent as the setting names it: DefaultQuota:GpuPercent.
            var field = error.Field["quota.".Length..];
            errors.Add($"{PoolOptions.Section}:{nameof(options.DefaultQuota)}:{char.ToUpperInvariant(field[0])}{field[1..]} {error.Rule}");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
