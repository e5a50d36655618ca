using System.Globalization;
using CsvHelper;

namespace Orion.Client.Monitoring;

/// <summary>
/// Usage as CSV for chargeback (<c>orion usage --csv</c>, <c>GET /api/usage.csv</c>): one row per tenant (and label
/// value), with the period's totals, or one per tenant (and label value) and UTC day with anything held
/// (<see cref="WriteDailyAsync"/>), as spreadsheets and finance systems import it (RFC 4180, invariant numbers). Split by
/// data centre, the second column is <c>data_centre</c> in place of <c>label</c>.
/// </summary>
public static class UsageCsv
{
    /// <summary>The columns, in order.</summary>
    public static IReadOnlyList<string> Columns { get; } = ["tenant", "label", "from", "to", "card_hours", "gpu_memory_gib_hours", "runs_ended", "running_now"];

    /// <summary>The columns of the daily form, in order.</summary>
    public static IReadOnlyList<string> DailyColumns { get; } = ["tenant", "label", "day", "card_hours", "gpu_memory_gib_hours", "runs_ended"];

    /// <summary>Writes the header and a row per entry of <paramref name="usage"/> and day (runs under way count up to now, on the days they ran).</summary>
    public static Task WriteDailyAsync(TextWriter output, IEnumerable<TenantConsumption> usage, CancellationToken cancellationToken = default) =>
        WriteAsync(output, DailyColumns, usage, u => u.Days.Select(d => new[]
        {
            u.Tenant, u.DataCenter ?? u.Label ?? "", Day(d.Day), Number(d.CardSeconds / 3600), Number(d.MemoryMiBSeconds / 1024 / 3600), d.Runs.ToString(CultureInfo.InvariantCulture),
        }), cancellationToken);

    /// <summary>Writes the header and a row per entry of <paramref name="usage"/>.</summary>
    public static Task WriteAsync(TextWriter output, IEnumerable<TenantConsumption> usage, CancellationToken cancellationToken = default) =>
        WriteAsync(output, Columns, usage, u => [[
            u.Tenant, u.DataCenter ?? u.Label ?? "", Day(u.From), Day(u.To), Number(u.CardHours), Number(u.GpuMemoryGiBHours),
            u.Runs.ToString(CultureInfo.InvariantCulture), u.RunningNow.ToString(CultureInfo.InvariantCulture),
        ]], cancellationToken);

    private static async Task WriteAsync(TextWriter output, IReadOnlyList<string> columns, IEnumerable<TenantConsumption> usage, Func<TenantConsumption, IEnumerable<string[]>> rowsOf, CancellationToken cancellationToken)
    {
        var entries = usage.ToList();
        var bySite = entries.Any(u => u.DataCenter is not null);
        await using var csv = CsvWriter.Create(output, null, true);
        csv.WriteHeader([.. columns.Select(c => bySite && c == "label" ? "data_centre" : c)]);
        foreach (var row in entries.SelectMany(rowsOf))
        {
            await csv.WriteRecordAsync(row, cancellationToken);
        }

        await csv.FlushAsync(cancellationToken);
    }

    private static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Number(double value) => value.ToString("0.######", CultureInfo.InvariantCulture);
}
