using Orleans.Runtime;

namespace Orion.Silo;

/// <summary>
/// Reminders of a lone silo (the embedded default) in the silo's own memory. Orleans' in-memory table is a grain,
/// deactivated by a stopping silo while its reminder service still reads the table for the ring's new ranges: every stop
/// could log that read's failed placement as an error. Entries are copied in and out, as a grain call copies them.
/// </summary>
public sealed class SiloMemoryReminderTable : IReminderTable
{
    private readonly Dictionary<GrainId, Dictionary<string, ReminderEntry>> reminders = [];
    private readonly Lock gate = new();

    public Task<ReminderTableData> ReadRows(GrainId grainId)
    {
        lock (gate)
        {
            return Task.FromResult(reminders.TryGetValue(grainId, out var of) ? new ReminderTableData(of.Values.Select(Copy).ToList()) : new ReminderTableData());
        }
    }

    public Task<ReminderTableData> ReadRows(uint begin, uint end)
    {
        var range = RangeFactory.CreateRange(begin, end);
        lock (gate)
        {
            return Task.FromResult(new ReminderTableData(reminders.Where(r => range.InRange(r.Key)).SelectMany(r => r.Value.Values).Select(Copy).ToList()));
        }
    }

    public Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName)
    {
        lock (gate)
        {
            return Task.FromResult(reminders.TryGetValue(grainId, out var of) && of.TryGetValue(reminderName, out var entry) ? Copy(entry) : null);
        }
    }

    public Task<string?> UpsertRow(ReminderEntry entry)
    {
        var stored = Copy(entry);
        stored.ETag = Guid.NewGuid().ToString("N");
        lock (gate)
        {
            if (!reminders.TryGetValue(entry.GrainId, out var of))
            {
                reminders[entry.GrainId] = of = new(StringComparer.Ordinal);
            }

            of[entry.ReminderName] = stored;
        }

        return Task.FromResult<string?>(stored.ETag);
    }

    public Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag)
    {
        lock (gate)
        {
            if (!reminders.TryGetValue(grainId, out var of) || !of.TryGetValue(reminderName, out var entry) || !string.Equals(entry.ETag, eTag, StringComparison.Ordinal))
            {
                return Task.FromResult(false);
            }

            of.Remove(reminderName);
            if (of.Count == 0)
            {
                reminders.Remove(grainId);
            }

            return Task.FromResult(true);
        }
    }

    public Task TestOnlyClearTable()
    {
        lock (gate)
        {
            reminders.Clear();
        }

        return Task.CompletedTask;
    }

    private static ReminderEntry Copy(ReminderEntry entry) => new()
    {
        GrainId = entry.GrainId,
        ReminderName = entry.ReminderName,
        StartAt = entry.StartAt,
        Period = entry.Period,
        ETag = entry.ETag,
    };
}
