using System.Collections.Immutable;
using Orion.Contracts;
using Orion.Grains.Tenancy;

namespace Orion.Tests.Tenancy;

public sealed class UsageBookTests
{
    private static readonly DateTimeOffset Evening = new(2026, 11, 29, 20, 0, 0, TimeSpan.Zero);

    private static UsageReport Report(string id, double hoursFrom, double hoursTo, double card, int runs = 1, bool final = false) =>
        new(id, Evening.AddHours(hoursFrom), Evening.AddHours(hoursTo), card, card * 1024, runs, final);

    private static (UsageBook Book, Dictionary<DateOnly, UsageDay> Days, Dictionary<string, MeteredTask> Tasks) New()
    {
        var days = new Dictionary<DateOnly, UsageDay>();
        var tasks = new Dictionary<string, MeteredTask>(StringComparer.Ordinal);
        return (new UsageBook(days, tasks), days, tasks);
    }

    private static readonly ImmutableDictionary<string, DateTimeOffset> Counted = ImmutableDictionary<string, DateTimeOffset>.Empty;

    private static double Card(UsageBook book) => book.Days(DateOnly.MinValue, DateOnly.MaxValue).Sum(d => d.CardSeconds);

    [Fact]
    public void A_run_holds_its_share_of_each_card_for_its_time()
    {
        var slice = new TaskPlacement("dc1/n0", "dc1", ["dc1/n0/0"], 250, 8192);
        Assert.Equal((900.0, 8192.0 * 3600), UsageBook.Of(slice, TimeSpan.FromHours(1)));
        var whole = new TaskPlacement("dc1/n0", "dc1", ["dc1/n0/0", "dc1/n0/1"], 1000, 81_920);
        Assert.Equal((7200.0, 2 * 81_920.0 * 3600), UsageBook.Of(whole, TimeSpan.FromHours(1)));
        Assert.Equal((0.0, 0.0), UsageBook.Of(whole, TimeSpan.FromHours(-1)));
    }

    [Fact]
    public void A_runs_usage_is_also_counted_in_its_data_centre_day_by_day_and_once()
    {
        var inDataCenters = new Dictionary<string, Dictionary<DateOnly, UsageDay>>(StringComparer.Ordinal);
        var book = new UsageBook([], new Dictionary<string, MeteredTask>(StringComparer.Ordinal), null, inDataCenters);

        // 20:00 to 02:00 on a whole card in dc2: 4 h on day 1, 2 h on day 2; the repeat counts once.
        Assert.NotNull(book.Take(Report("a", 0, 6, 6 * 3600, final: true) with { DataCenter = "dc2" }, Evening.AddHours(6)));
        Assert.Null(book.Take(Report("a", 0, 6, 6 * 3600, final: true) with { DataCenter = "dc2" }, Evening.AddHours(6)));

        // A task whose second run was in dc1: only what that run added counts there.
        book.Take(Report("b", 0, 1, 3600) with { DataCenter = "dc2" }, Evening.AddHours(1));
        book.Take(Report("b", 2, 3, 3 * 3600, runs: 2) with { DataCenter = "dc1" }, Evening.AddHours(3));

        // A report that names none (an ending between runs, an older task's) counts only in the total.
        book.Take(Report("c", 0, 1, 1800, final: true), Evening.AddHours(1));

        Assert.Equal([4.0 + 1, 2.0], book.InDataCenter(DateOnly.MinValue, DateOnly.MaxValue, "dc2").Select(d => d.CardSeconds / 3600));
        Assert.Equal([1, 1], book.InDataCenter(DateOnly.MinValue, DateOnly.MaxValue, "dc2").Select(d => d.Runs));
        Assert.Equal(2.0, Assert.Single(book.InDataCenter(DateOnly.MinValue, DateOnly.MaxValue, "dc1")).CardSeconds / 3600);
        Assert.Equal(1, Assert.Single(book.InDataCenter(DateOnly.MinValue, DateOnly.MaxValue, "dc1")).Runs);
        Assert.Equal(9.5, Card(book) / 3600);

        // A span of one day reads that day; a data centre with no runs reads nothing.
        Assert.Equal(2.0, Assert.Single(book.InDataCenter(new DateOnly(2026, 11, 30), new DateOnly(2026, 11, 30), "dc2")).CardSeconds / 3600);
        Assert.Empty(book.InDataCenter(DateOnly.MinValue, DateOnly.MaxValue, "dc3"));
        Assert.Equal(["dc1", "dc2"], inDataCenters.Keys.Order(StringComparer.Ordinal));
        var bySite = book.ByDataCenter(new DateOnly(2026, 11, 30), new DateOnly(2026, 11, 30));
        Assert.Equal(["dc2"], bySite.Keys);
        Assert.Equal(2.0, Assert.Single(bySite["dc2"]).CardSeconds / 3600);
    }

    [Fact]
    public void A_tasks_usage_is_also_counted_under_each_of_its_labels_day_by_day_and_once()
    {
        var labelled = new Dictionary<string, Dictionary<DateOnly, UsageDay>>(StringComparer.Ordinal);
        var book = new UsageBook([], new Dictionary<string, MeteredTask>(StringComparer.Ordinal), labelled);
        var llm = ImmutableDictionary<string, string>.Empty.Add("project", "llm").Add("sweep", "lr-7");

        // 20:00 to 02:00 on a whole card: 4 h on day 1, 2 h on day 2, under both its labels; the repeat counts once.
        Assert.NotNull(book.Take(Report("a", 0, 6, 6 * 3600, final: true) with { Labels = llm }, Evening.AddHours(6)));
        Assert.Null(book.Take(Report("a", 0, 6, 6 * 3600, final: true) with { Labels = llm }, Evening.AddHours(6)));
        book.Take(Report("b", 0, 1, 3600, final: true) with { Labels = ImmutableDictionary<string, string>.Empty.Add("project", "vision") }, Evening.AddHours(1));
        book.Take(Report("c", 0, 1, 1800, final: true), Evening.AddHours(1));

        var projects = book.ByLabel(DateOnly.MinValue, DateOnly.MaxValue, "project");
        Assert.Equal(["llm", "vision"], projects.Keys.Order(StringComparer.Ordinal));
        Assert.Equal([4.0, 2.0], projects["llm"].Select(d => d.CardSeconds / 3600));
        Assert.Equal([0, 1], projects["llm"].Select(d => d.Runs));
        Assert.Equal(1.0, projects["vision"].Sum(d => d.CardSeconds) / 3600);
        Assert.Equal(6.0, book.ByLabel(DateOnly.MinValue, DateOnly.MaxValue, "sweep")["lr-7"].Sum(d => d.CardSeconds) / 3600);
        Assert.Equal(7.5, Card(book) / 3600);

        // A span of one day reads that day; a key no task carries reads nothing.
        Assert.Equal(2.0, book.ByLabel(new DateOnly(2026, 11, 30), new DateOnly(2026, 11, 30), "project")["llm"].Single().CardSeconds / 3600);
        Assert.False(book.ByLabel(new DateOnly(2026, 11, 30), new DateOnly(2026, 11, 30), "project").ContainsKey("vision"));
        Assert.Empty(book.ByLabel(DateOnly.MinValue, DateOnly.MaxValue, "team"));
        Assert.Equal(3, labelled.Count);
    }

    [Fact]
    public void A_report_sent_twice_counts_once_and_one_lost_is_made_up_by_the_next()
    {
        var (book, _, _) = New();
        Assert.Equal((3600.0, 3600.0 * 1024), book.Take(Report("t", 0, 1, 3600), Evening));
        Assert.Null(book.Take(Report("t", 0, 1, 3600), Evening));
        Assert.Equal(3600, Card(book));

        // The second run's report was lost; the third carries the totals of all three.
        Assert.Equal((3600.0, 3600.0 * 1024), book.Take(Report("t", 2.5, 3, 3600 + 1800 + 1800, runs: 3), Evening));
        Assert.Equal(7200, Card(book));
        Assert.Equal(3, book.Days(DateOnly.MinValue, DateOnly.MaxValue).Sum(d => d.Runs));
    }

    [Fact]
    public void What_a_report_adds_is_spread_over_its_run_day_by_day()
    {
        var (book, _, _) = New();
        book.Take(Report("t", 0, 8, 8 * 3600), Evening);
        var days = book.Days(DateOnly.MinValue, DateOnly.MaxValue);
        Assert.Equal([new DateOnly(2026, 11, 29), new DateOnly(2026, 11, 30)], days.Select(d => d.Day));
        Assert.Equal((4 * 3600.0, 4 * 3600.0), (days[0].CardSeconds, days[1].CardSeconds));
        Assert.Equal((0, 1), (days[0].Runs, days[1].Runs));
        Assert.Equal([days[1]], book.Days(new DateOnly(2026, 11, 30), new DateOnly(2026, 12, 31)));
    }

    [Fact]
    public void A_repeat_of_an_ended_tasks_last_report_counts_once_while_it_is_remembered()
    {
        var (book, _, tasks) = New();
        book.Take(Report("t", 0, 1, 3600, final: true), Evening.AddHours(1));
        Assert.Null(book.Take(Report("t", 0, 1, 3600, final: true), Evening.AddHours(2)));
        Assert.NotNull(tasks["t"].EndedAt);

        // An ending between runs adds nothing but is taken in: the task is let go later.
        book.Take(Report("u", 0, 1, 3600), Evening);
        Assert.Equal((0.0, 0.0), book.Take(Report("u", 1.5, 1.5, 3600, final: true), Evening.AddHours(2)));
        Assert.Equal(7200, Card(book));
    }

    [Fact]
    public void Ended_tasks_are_let_go_a_day_after_they_ended_once_there_are_many()
    {
        var (book, _, tasks) = New();
        for (var i = 0; i <= UsageBook.EndedLimit; i++)
        {
            book.Take(Report($"old-{i}", 0, 1, 60, final: true), Evening);
        }

        Assert.Equal(UsageBook.EndedLimit + 1, tasks.Count);
        book.Take(Report("live", 0, 1, 60), Evening.AddDays(2));
        book.Take(Report("new", 0, 1, 60, final: true), Evening.AddDays(2));
        Assert.Equal(["live", "new"], tasks.Keys.Order(StringComparer.Ordinal));
        Assert.Equal((UsageBook.EndedLimit + 3) * 60.0, Card(book), 6);
    }

    [Fact]
    public void The_days_runs_under_way_and_the_span_make_a_tenants_consumption()
    {
        ImmutableArray<UsageDay> days = [new(new DateOnly(2026, 11, 29), 3600, 1024 * 3600, 2)];
        var now = new DateTimeOffset(2026, 11, 30, 1, 0, 0, TimeSpan.Zero);
        var running = new VGpuTaskStatus("r", Specs.Batch(), TaskState.Running, new TaskPlacement("dc1/n0", "dc1", ["dc1/n0/0"], 500, 2048), 1,
            now.AddHours(-3), now.AddHours(-3), now.AddHours(-3), null, null, 1);
        var pending = running with { TaskId = "p", State = TaskState.Pending, Placement = null };
        var c = Client.Monitoring.TenantConsumption.Of("a", new DateOnly(2026, 11, 29), new DateOnly(2026, 11, 30), new UsageReading(days, Counted), [running, pending], now);
        Assert.Equal((2.5, 2, 1), (c.CardHours, c.Runs, c.RunningNow));
        Assert.Equal(1 + 6, c.GpuMemoryGiBHours, 6);

        // Day by day, the run under way on the days it ran: two hours of half a card before midnight, one after.
        Assert.Equal(
            [(new DateOnly(2026, 11, 29), 2.0, 5.0, 2), (new DateOnly(2026, 11, 30), 0.5, 2.0, 0)],
            c.Days.Select(d => (d.Day, Math.Round(d.CardSeconds / 3600, 6), Math.Round(d.MemoryMiBSeconds / 1024 / 3600, 6), d.Runs)));

        // Only the part of the run inside the span counts: from midnight.
        var today = Client.Monitoring.TenantConsumption.Of("a", new DateOnly(2026, 11, 30), new DateOnly(2026, 11, 30), new UsageReading([], Counted), [running], now);
        Assert.Equal(0.5, today.CardHours, 6);
    }

    [Fact]
    public void A_run_reporting_as_it_goes_is_counted_once_each_part_on_the_day_it_was_held()
    {
        // A whole card from 20:00 to 06:00: a report at 02:00 (6 hours so far), then its end (10 hours in all).
        var (book, _, _) = New();
        Assert.Equal((6 * 3600.0, 6 * 3600.0 * 1024), book.Take(Report("t", 0, 6, 6 * 3600, runs: 0), Evening.AddHours(6)));
        Assert.Equal(Evening.AddHours(6), book.Through()["t"]);
        Assert.Null(book.Take(Report("t", 0, 5, 5 * 3600, runs: 0), Evening.AddHours(6)));
        Assert.Equal((4 * 3600.0, 4 * 3600.0 * 1024), book.Take(Report("t", 0, 10, 10 * 3600, runs: 1, final: true), Evening.AddHours(10)));

        // 20:00 to midnight on the first day; the rest, after the 02:00 report too, on the second.
        var days = book.Days(DateOnly.MinValue, DateOnly.MaxValue);
        Assert.Equal((4 * 3600.0, 6 * 3600.0), (days[0].CardSeconds, days[1].CardSeconds));
        Assert.Equal((0, 1), (days[0].Runs, days[1].Runs));
        Assert.Empty(book.Through());
    }

    [Fact]
    public void A_reader_adds_a_run_under_way_only_from_where_its_meter_has_counted_it()
    {
        var now = new DateTimeOffset(2026, 11, 30, 1, 0, 0, TimeSpan.Zero);
        var running = new VGpuTaskStatus("r", Specs.Batch(), TaskState.Running, new TaskPlacement("dc1/n0", "dc1", ["dc1/n0/0"], 1000, 2048), 1,
            now.AddHours(-3), now.AddHours(-3), now.AddHours(-3), null, null, 1);

        // The meter counted its first two hours (up to 00:00); the reader adds the last one.
        ImmutableArray<UsageDay> days = [new(new DateOnly(2026, 11, 29), 2 * 3600, 0, 0)];
        var reading = new UsageReading(days, ImmutableDictionary<string, DateTimeOffset>.Empty.Add("r", now.AddHours(-1)));
        var c = Client.Monitoring.TenantConsumption.Of("a", new DateOnly(2026, 11, 29), new DateOnly(2026, 11, 30), reading, [running], now);
        Assert.Equal((3.0, 1), (c.CardHours, c.RunningNow));

        // A mark from an earlier run of the task is not this run's.
        var earlier = new UsageReading([], ImmutableDictionary<string, DateTimeOffset>.Empty.Add("r", now.AddHours(-5)));
        Assert.Equal(3.0, Client.Monitoring.TenantConsumption.Of("a", new DateOnly(2026, 11, 29), new DateOnly(2026, 11, 30), earlier, [running], now).CardHours, 6);
    }
}
