using Orion.Contracts;

namespace Orion.Silo.Monitoring;

/// <summary>
/// The rules for the pool API's path and query values. Pure. A typo in a filter ("state=runing", "dc=DC1") must be an
/// error naming the value and its rule, not an empty list that reads as "nothing there".
/// </summary>
public static class PoolQueryValidator
{
    /// <summary>The most events one read returns.</summary>
    public const int MaxEvents = 500;

    /// <summary>Each broken value (by its name in the query or path) with the rule it breaks; empty when all are fine.</summary>
    public static Dictionary<string, string[]> Check(string? dc = null, string? state = null, string? id = null, long? after = null, int? limit = null, string? tenant = null, int? logBytes = null,
        string? from = null, string? to = null, string[]? labels = null, long? generation = null, string? byLabel = null, string? deployment = null,
        bool? byDataCenter = null)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (deployment is not null && !DeploymentRules.IsValidName(deployment))
        {
            errors["name"] = [DeploymentRules.NameRule];
        }

        if (byLabel is not null && !NodeLabels.IsValidKey(byLabel))
        {
            errors["byLabel"] = [$"a label's key {NodeLabels.KeyRule}"];
        }

        if (byLabel is not null && byDataCenter == true)
        {
            errors["byDataCenter"] = ["usage splits one way at a time: give byLabel or byDataCenter, not both"];
        }

        if (!string.IsNullOrEmpty(dc) && !DataCenterName.IsValid(dc))
        {
            errors["dc"] = [DataCenterName.Rule];
        }

        if (!string.IsNullOrEmpty(state) && !Enum.GetNames<TaskState>().Contains(state, StringComparer.OrdinalIgnoreCase))
        {
            errors["state"] = [$"must be one of {string.Join(", ", Enum.GetNames<TaskState>())}"];
        }

        if (id is not null && !TaskIdFormat.IsValid(id))
        {
            errors["id"] = [TaskIdFormat.Rule];
        }

        if (labels is { Length: > 0 } && NodeLabels.Parse(labels, "label").Error is { } badLabel)
        {
            errors["label"] = [badLabel];
        }

        if (tenant is not null && !TenantName.IsValid(tenant))
        {
            errors["tenant"] = [TenantName.Rule];
        }

        if (after < 0)
        {
            errors["after"] = ["must be 0 or more (an event's sequence number)"];
        }

        if (generation < 1)
        {
            errors["generation"] = ["must be 1 or more (a run of the task)"];
        }

        if (logBytes is < 1 or > TaskLogChunk.MaxBytes)
        {
            errors["max"] = [$"must be from 1 to {TaskLogChunk.MaxBytes} (bytes of the log)"];
        }

        if (limit is < 1 or > MaxEvents)
        {
            errors["limit"] = [$"must be from 1 to {MaxEvents}"];
        }

        foreach (var (name, day) in new[] { ("from", from), ("to", to) })
        {
            if (day is not null && UtcDays.Parse(day) is null)
            {
                errors[name] = ["must be a day, YYYY-MM-DD"];
            }
        }

        if (UtcDays.Parse(from) is { } first && UtcDays.Parse(to) is { } last && !errors.ContainsKey("from") && !errors.ContainsKey("to"))
        {
            if (last < first)
            {
                errors["to"] = ["must not be before from"];
            }
            else if (last.DayNumber - first.DayNumber + 1 > Client.Monitoring.TenantConsumption.MaxDays)
            {
                errors["from"] = [$"must be at most {Client.Monitoring.TenantConsumption.MaxDays} days before to"];
            }
        }

        return errors;
    }
}
