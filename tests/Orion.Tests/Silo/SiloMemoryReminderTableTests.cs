using Orion.Silo;

namespace Orion.Tests.Silo;

/// <summary>The lone silo's reminders in its own memory: rows by grain, by ring range, and ETag-checked removal.</summary>
public sealed class SiloMemoryReminderTableTests
{
    private static ReminderEntry Entry(GrainId grain, string name) =>
        new() { GrainId = grain, ReminderName = name, StartAt = new DateTime(2026, 12, 2, 0, 0, 0, DateTimeKind.Utc), Period = TimeSpan.FromMinutes(1) };

    [Fact]
    public async Task An_upserted_row_reads_back_by_grain_and_name_with_a_new_etag_each_time()
    {
        var table = new SiloMemoryReminderTable();
        var task = GrainId.Create("vgputask", "t1");
        var entry = Entry(task, "forget");
        var first = await table.UpsertRow(entry);
        entry.Period = TimeSpan.FromHours(1);
        Assert.NotNull(first);
        Assert.Null(entry.ETag);

        var row = await table.ReadRow(task, "forget");
        Assert.NotNull(row);
        Assert.Equal(TimeSpan.FromMinutes(1), row.Period);
        Assert.Equal(first, row.ETag);

        var second = await table.UpsertRow(entry);
        Assert.NotEqual(first, second);
        Assert.Equal(TimeSpan.FromHours(1), (await table.ReadRow(task, "forget"))!.Period);
        await table.UpsertRow(Entry(task, "notify"));
        await table.UpsertRow(Entry(GrainId.Create("vgputask", "t2"), "forget"));

        Assert.Equal(["forget", "notify"], (await table.ReadRows(task)).Reminders.Select(r => r.ReminderName).Order(StringComparer.Ordinal));
        Assert.Null(await table.ReadRow(task, "window"));
        Assert.Empty((await table.ReadRows(GrainId.Create("vgputask", "t3"))).Reminders);
    }

    [Fact]
    public async Task A_row_is_removed_only_with_its_current_etag()
    {
        var table = new SiloMemoryReminderTable();
        var task = GrainId.Create("vgputask", "t1");
        var old = await table.UpsertRow(Entry(task, "forget"));
        var current = await table.UpsertRow(Entry(task, "forget"));

        Assert.False(await table.RemoveRow(task, "forget", old!));
        Assert.NotNull(await table.ReadRow(task, "forget"));
        Assert.False(await table.RemoveRow(task, "notify", current!));

        Assert.True(await table.RemoveRow(task, "forget", current!));
        Assert.Null(await table.ReadRow(task, "forget"));
        Assert.Empty((await table.ReadRows(task)).Reminders);
        Assert.False(await table.RemoveRow(task, "forget", current!));
    }

    [Fact]
    public async Task Rows_by_ring_range_are_those_whose_grain_hashes_into_it_with_the_range_wrapping_past_zero()
    {
        var table = new SiloMemoryReminderTable();
        var (low, high) = (GrainId.Create("vgputask", "a"), GrainId.Create("vgputask", "b"));
        if (low.GetUniformHashCode() > high.GetUniformHashCode())
        {
            (low, high) = (high, low);
        }

        Assert.NotEqual(low.GetUniformHashCode(), high.GetUniformHashCode());
        await table.UpsertRow(Entry(low, "forget"));
        await table.UpsertRow(Entry(high, "forget"));

        // (begin, end]: the end in, the beginning out.
        Assert.Equal([high], (await table.ReadRows(low.GetUniformHashCode(), high.GetUniformHashCode())).Reminders.Select(r => r.GrainId));
        Assert.Equal([low], (await table.ReadRows(high.GetUniformHashCode(), low.GetUniformHashCode())).Reminders.Select(r => r.GrainId));
        Assert.Equal(2, (await table.ReadRows(high.GetUniformHashCode(), high.GetUniformHashCode())).Reminders.Count);

        await table.TestOnlyClearTable();
        Assert.Empty((await table.ReadRows(0, 0)).Reminders);
    }
}
