using Microsoft.Extensions.Options;
using Orion.Contracts;
using Orion.NodeDaemon;

namespace Orion.Silo;

/// <summary>
/// The rules the embedded daemons' settings keep, checked when the silo starts, each error naming the setting:
/// an unknown card model or a machine without cards stops the silo before it says it is up.
/// </summary>
public sealed class EmbeddedPoolOptionsValidator : IValidateOptions<EmbeddedPoolOptions>
{
    public ValidateOptionsResult Validate(string? name, EmbeddedPoolOptions options)
    {
        if (!options.Enabled)
        {
            return ValidateOptionsResult.Success;
        }

        var errors = new List<string>();
        void Check(bool ok, string setting, string rule, object? value)
        {
            if (!ok)
            {
                errors.Add($"{EmbeddedPoolOptions.Section}:{setting} {rule}, not '{value}'");
            }
        }

        Check(options.Backend is GpuBackends.Simulated or GpuBackends.Nvidia, nameof(options.Backend), $"must be {GpuBackends.Simulated} or {GpuBackends.Nvidia}", options.Backend);
        Check(options.HeartbeatInterval > TimeSpan.Zero, nameof(options.HeartbeatInterval), "must be positive", options.HeartbeatInterval);
        Check(options.ReportAttemptTimeout > TimeSpan.Zero, nameof(options.ReportAttemptTimeout), "must be positive", options.ReportAttemptTimeout);
        Check(options.DemandBusyPercent is > 0 and <= 100, nameof(options.DemandBusyPercent), "must be above 0 and at most 100", options.DemandBusyPercent);
        Check(options.DemandHoldTime >= TimeSpan.Zero, nameof(options.DemandHoldTime), "must be 0 or more", options.DemandHoldTime);
        Check(options.CpuMilli >= 0, nameof(options.CpuMilli), "must be 0 or more", options.CpuMilli);
        Check(options.MemoryMiB >= 0, nameof(options.MemoryMiB), "must be 0 or more", options.MemoryMiB);
        Check(options.HostSwapMiB >= 0, nameof(options.HostSwapMiB), "must be 0 or more", options.HostSwapMiB);
        Check(DataCenterName.IsValid(options.DataCenter), nameof(options.DataCenter), DataCenterName.Rule, options.DataCenter);
        if (options.Backend != GpuBackends.Simulated)
        {
            return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
        }

        if (options.NodeList.Count == 0)
        {
            Check(options.Nodes >= 0, nameof(options.Nodes), "must be 0 or more", options.Nodes);
            Check(options.GpusPerNode >= 1, nameof(options.GpusPerNode), "must be at least 1", options.GpusPerNode);
            Check(IsModel(options.GpuModel), nameof(options.GpuModel), KnownModels(), options.GpuModel);
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.NodeList.Count; i++)
        {
            var m = options.NodeList[i];
            var at = $"{nameof(options.NodeList)}:{i}:";
            Check(!string.IsNullOrWhiteSpace(m.Name) && !m.Name.Contains('/', StringComparison.Ordinal), at + nameof(m.Name), "must be a name without '/'", m.Name);
            Check(names.Add($"{m.DataCenter}/{m.Name}"), at + nameof(m.Name), "must name one machine once in its data centre", m.Name);
            Check(DataCenterName.IsValid(m.DataCenter), at + nameof(m.DataCenter), DataCenterName.Rule, m.DataCenter);
            Check(IsModel(m.GpuModel), at + nameof(m.GpuModel), KnownModels(), m.GpuModel);
            Check(m.GpuCount >= 1, at + nameof(m.GpuCount), "must be at least 1", m.GpuCount);
            Check(m.CpuMilli >= 0, at + nameof(m.CpuMilli), "must be 0 or more", m.CpuMilli);
            Check(m.MemoryMiB >= 0, at + nameof(m.MemoryMiB), "must be 0 or more", m.MemoryMiB);
            Check(m.HostSwapMiB >= 0, at + nameof(m.HostSwapMiB), "must be 0 or more", m.HostSwapMiB);
            Check(m.LinkDomainSize >= 0, at + nameof(m.LinkDomainSize), "must be 0 (all cards alike) or more", m.LinkDomainSize);
            foreach (var (index, reason) in m.Faults)
            {
                Check(index >= 0 && index < m.GpuCount, $"{at}{nameof(m.Faults)}:{index}", $"must name a card of the node (0 to {m.GpuCount - 1})", index);
                Check(!string.IsNullOrWhiteSpace(reason) && reason.Length <= CardFault.MaxReasonLength, $"{at}{nameof(m.Faults)}:{index}", $"must say what broke (1 to {CardFault.MaxReasonLength} characters)", reason);
            }

            foreach (var bad in NodeLabels.Check(m.Labels, at + nameof(m.Labels)).Concat(NodeTaints.Check(m.Taints, at + nameof(m.Taints))))
            {
                errors.Add($"{EmbeddedPoolOptions.Section}:{bad.Field} {bad.Rule}");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static bool IsModel(string? model) => model is not null && GpuModelCatalog.All.Any(m => string.Equals(m.Name, model, StringComparison.OrdinalIgnoreCase));

    private static string KnownModels() => $"must be a known card model ({string.Join(", ", GpuModelCatalog.All.Select(m => m.Name).Order(StringComparer.Ordinal))})";
}
