using System.Globalization;
using Orion.Client.Monitoring;

namespace Orion.Tests.Monitoring;

public sealed class UsageCsvTests
{
    [Fact]
    public async Task Rows_carry_each_tenants_totals_with_invariant_numbers_whatever_the_machines_culture()
    {
        var before = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");
        try
        {
            var (from, to) = (new DateOnly(2026, 11, 1), new DateOnly(2026, 11, 30));
            var text = new StringWriter();
            await UsageCsv.WriteAsync(text,
            [
                new TenantConsumption("search", from, to, 1234.5, 9876.125, 42, 3, []),
                new TenantConsumption("ads", from, to, 0.0000004, 0, 0, 0, [], "project=ads-ranking"),
            ]);
            Assert.Equal(
                "tenant,label,from,to,card_hours,gpu_memory_gib_hours,runs_ended,running_now\r\n"
                + "search,,2026-11-01,2026-11-30,1234.5,9876.125,42,3\r\n"
                + "ads,project=ads-ranking,2026-11-01,2026-11-30,0,0,0,0\r\n",
                text.ToString());
        }
        finally
        {
            CultureInfo.CurrentCulture = before;
        }
    }

    [Fact]
    public async Task The_daily_form_has_a_row_per_tenant_and_day_with_anything_held()
    {
        var (from, to) = (new DateOnly(2026, 11, 29), new DateOnly(2026, 11, 30));
        var text = new StringWriter();
        await UsageCsv.WriteDailyAsync(text,
        [
            new TenantConsumption("search", from, to, 2.5, 7, 2, 1, [new(from, 2 * 3600, 5 * 1024 * 3600, 2), new(to, 1800, 2 * 1024 * 3600, 0)]),
            new TenantConsumption("ads", from, to, 0, 0, 0, 0, [], "project=ads-ranking"),
        ]);
        Assert.Equal(
            "tenant,label,day,card_hours,gpu_memory_gib_hours,runs_ended\r\n"
            + "search,,2026-11-29,2,5,2\r\n"
            + "search,,2026-11-30,0.5,2,0\r\n",
            text.ToString());
    }
}
