using Orion.Contracts;
using Orion.Silo.Monitoring;

namespace Orion.Tests.Validation;

public sealed class PoolQueryValidatorTests
{
    [Fact]
    public void Values_within_their_rules_and_absent_ones_pass()
    {
        Assert.Empty(PoolQueryValidator.Check());
        Assert.Empty(PoolQueryValidator.Check(dc: "dc1", state: "running", id: "t-1", after: 0, limit: 1));
        Assert.Empty(PoolQueryValidator.Check(dc: "", state: "", limit: PoolQueryValidator.MaxEvents));
    }

    [Fact]
    public void Each_broken_value_is_named_with_its_rule()
    {
        var errors = PoolQueryValidator.Check(dc: "DC1", state: "runing", id: "team/job", after: -1, limit: 0);
        Assert.Equal(["after", "dc", "id", "limit", "state"], errors.Keys.Order());
        Assert.Equal([DataCenterName.Rule], errors["dc"]);
        Assert.Equal(["must be one of Pending, Placing, Running, Completed, Failed, Cancelled, Suspended, Scheduled, Blocked"], errors["state"]);
        Assert.Equal([TaskIdFormat.Rule], errors["id"]);
        Assert.Equal(["must be from 1 to 500"], PoolQueryValidator.Check(limit: 501)["limit"]);

        // An enum's number is not one of its names.
        Assert.Contains("state", PoolQueryValidator.Check(state: "2").Keys);
    }
}
