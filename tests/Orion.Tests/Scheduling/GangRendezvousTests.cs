using Orion.Contracts;

namespace Orion.Tests.Scheduling;

public sealed class GangRendezvousTests
{
    [Fact]
    public void Members_rank_by_length_then_ordinal_so_numbers_count_up()
    {
        Assert.Equal(["job-0", "job-1", "job-2", "job-10", "job-11"], GangRendezvous.Order(["job-11", "job-2", "job-10", "job-0", "job-1", "job-2"]));
        Assert.Equal(["b", "a-1", "a-2"], GangRendezvous.Order(["a-2", "b", "a-1"]));
    }

    [Fact]
    public void The_port_is_the_gangs_own_the_same_every_time_and_in_its_range()
    {
        var port = GangRendezvous.PortOf("research", "llm-pretrain");
        Assert.Equal(port, GangRendezvous.PortOf("research", "llm-pretrain"));
        Assert.InRange(port, GangRendezvous.FirstPort, GangRendezvous.FirstPort + GangRendezvous.Ports - 1);

        // Stable across processes and runtimes (FNV-1a, not string.GetHashCode): pinned.
        Assert.Equal(29500 + (int)(Fnv("research/llm-pretrain") % 1000), port);

        // Gangs of other names or tenants spread over the range.
        var ports = Enumerable.Range(0, 200).Select(i => GangRendezvous.PortOf("t", $"job-{i}")).ToHashSet();
        Assert.True(ports.Count > 150, $"{ports.Count} distinct ports of 200 gangs");
        Assert.All(ports, p => Assert.InRange(p, 29500, 30499));
    }

    private static uint Fnv(string text)
    {
        var hash = 2166136261u;
        foreach (var b in System.Text.Encoding.UTF8.GetBytes(text))
        {
            hash = (hash ^ b) * 16777619u;
        }

        return hash;
    }

    [Fact]
    public void A_member_runs_with_orions_variables_and_pytorchs()
    {
        var meet = new GangRendezvous("ddp", 4, 2, "dc1/node-3", "10.0.0.5", 29517);
        Assert.Equal(
            new Dictionary<string, string>
            {
                ["ORION_GANG"] = "ddp", ["ORION_GANG_SIZE"] = "4", ["ORION_GANG_RANK"] = "2", ["ORION_GANG_LEADER"] = "dc1/node-3",
                ["MASTER_ADDR"] = "10.0.0.5", ["MASTER_PORT"] = "29517", ["WORLD_SIZE"] = "4", ["RANK"] = "2", ["NODE_RANK"] = "2",
            },
            meet.Environment().ToDictionary());
        Assert.DoesNotContain((meet with { LeaderAddress = null }).Environment(), v => v.Key == "MASTER_ADDR");
        Assert.Equal("rank 2 of 4, rendezvous 10.0.0.5:29517 (dc1/node-3)", meet.ToString());
    }
}
