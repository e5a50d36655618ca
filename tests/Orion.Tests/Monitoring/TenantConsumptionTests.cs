using System.Collections.Immutable;
using Orion.Client.Monitoring;
using Orion.Contracts;

namespace Orion.Tests.Monitoring;

public sealed class TenantConsumptionTests
{
    private static readonly DateOnly Day = new(2026, 11, 29);

    [Fact]
    public void Split_by_data_centre_what_was_metered_before_runs_named_theirs_is_a_row_of_its_own()
    {
        // Three card-hours that day, one of them metered in dc1; the other two came before reports named a data centre.
        var reading = new UsageReading(
            [new UsageDay(Day, 3 * 3600, 0, 3)], ImmutableDictionary<string, DateTimeOffset>.Empty,
            ByDataCenter: ImmutableDictionary<string, ImmutableArray<UsageDay>>.Empty.Add("dc1", [new UsageDay(Day, 3600, 0, 1)]));
        var split = TenantConsumption.ByDataCenter("team-a", Day, Day, reading, [], new DateTimeOffset(2026, 11, 30, 0, 0, 0, TimeSpan.Zero)).ToList();

        Assert.Equal(["dc1", ""], split.Select(c => c.DataCenter));
        Assert.Equal([1.0, 2.0], split.Select(c => c.CardHours));
        Assert.Equal([1, 2], split.Select(c => c.Runs));
        Assert.All(split, c => Assert.Null(c.Label));
    }
}
