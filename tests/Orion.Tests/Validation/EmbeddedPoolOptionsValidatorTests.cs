using Orion.Silo;

namespace Orion.Tests.Validation;

public sealed class EmbeddedPoolOptionsValidatorTests
{
    private static IReadOnlyList<string> Errors(EmbeddedPoolOptions options) =>
        new EmbeddedPoolOptionsValidator().Validate(null, options).Failures?.ToList() ?? [];

    [Fact]
    public void The_defaults_keep_every_rule_and_disabled_daemons_are_not_checked()
    {
        Assert.Empty(Errors(new EmbeddedPoolOptions()));
        Assert.Empty(Errors(new EmbeddedPoolOptions { GpuModel = "t4" }));
        Assert.Empty(Errors(new EmbeddedPoolOptions { Enabled = false, GpuModel = "A100", Nodes = -1 }));
    }

    [Fact]
    public void An_unknown_card_model_is_named_with_the_known_ones()
    {
        var e = Assert.Single(Errors(new EmbeddedPoolOptions { GpuModel = "A100" }));
        Assert.StartsWith("Orion:Embedded:GpuModel must be a known card model (", e);
        Assert.Contains("A100-80GB", e);
        Assert.EndsWith("not 'A100'", e);
    }

    [Fact]
    public void Machines_listed_one_by_one_are_checked_one_by_one()
    {
        var errors = Errors(new EmbeddedPoolOptions
        {
            NodeList =
            [
                new() { Name = "a", GpuModel = "T4-16GB" },
                new() { Name = "a", GpuModel = "H100", GpuCount = 0 },
                new() { Name = "b/c", DataCenter = "East" },
            ],
        });
        Assert.Equal(
            [
                "Orion:Embedded:NodeList:1:Name must name one machine once in its data centre, not 'a'",
                "Orion:Embedded:NodeList:1:GpuModel",
                "Orion:Embedded:NodeList:1:GpuCount must be at least 1, not '0'",
                "Orion:Embedded:NodeList:2:Name must be a name without '/', not 'b/c'",
                "Orion:Embedded:NodeList:2:DataCenter must be 1 to 63 characters",
            ],
            errors.Select((e, i) => i is 1 or 4 ? string.Join(' ', e.Split(' ').Take(i == 1 ? 1 : 7)) : e));
    }

    [Fact]
    public void A_machines_labels_that_break_a_rule_are_named_with_their_key()
    {
        var errors = Errors(new EmbeddedPoolOptions { NodeList = [new() { Name = "a", Labels = { ["fabric"] = "nv link", ["ok"] = "yes" } }] });
        Assert.Equal(["Orion:Embedded:NodeList:0:Labels[fabric] value " + Orion.Contracts.NodeLabels.ValueRule], errors);
        var taints = Errors(new EmbeddedPoolOptions { NodeList = [new() { Name = "a", Taints = { ["-dedicated"] = "ci" } }] });
        Assert.Equal(["Orion:Embedded:NodeList:0:Taints[-dedicated] key " + Orion.Contracts.NodeLabels.KeyRule], taints);
    }

    [Fact]
    public void A_broken_card_must_be_one_of_the_machine_and_say_what_broke()
    {
        Assert.Empty(Errors(new EmbeddedPoolOptions { NodeList = [new() { Name = "a", GpuCount = 2, Faults = { [1] = "Xid 79" } }] }));
        var errors = Errors(new EmbeddedPoolOptions { NodeList = [new() { Name = "a", GpuCount = 2, Faults = { [2] = "Xid 79", [0] = " " } }] });
        Assert.Equal(
            [
                "Orion:Embedded:NodeList:0:Faults:2 must name a card of the node (0 to 1), not '2'",
                "Orion:Embedded:NodeList:0:Faults:0 must say what broke (1 to 500 characters), not ' '",
            ],
            errors);
    }

    [Fact]
    public void Host_sizes_and_timings_out_of_range_are_named()
    {
        var errors = Errors(new EmbeddedPoolOptions { Backend = "nvidia", CpuMilli = -1, HeartbeatInterval = TimeSpan.Zero, DemandBusyPercent = 0, DemandHoldTime = TimeSpan.FromSeconds(-1) });
        Assert.Equal(
            ["HeartbeatInterval", "DemandBusyPercent", "DemandHoldTime", "CpuMilli"],
            errors.Select(e => e.Split(' ')[0]["Orion:Embedded:".Length..]));
        Assert.Contains("Orion:Embedded:Backend must be simulated or nvidia, not 'cuda'", Errors(new EmbeddedPoolOptions { Backend = "cuda" }));
    }
}
