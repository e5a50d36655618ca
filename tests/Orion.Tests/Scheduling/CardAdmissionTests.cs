using Orion.Contracts;
using Orion.Grains.Scheduling;

namespace Orion.Tests.Scheduling;

public sealed class CardAdmissionTests
{
    private static readonly GpuDevice Card = new("dc1/n/0", 0, "A100-80GB", 81_920, 1, 25, "u");

    [Fact]
    public void Admits_what_fits_and_refuses_compute_memory_and_whole_card_conflicts()
    {
        GpuSlice[] held = [new("a", 1, 600, 40_000, false)];
        Assert.Null(CardAdmission.Refusal(Card, 1000, held, new("b", 1, 400, 41_920, false)));
        Assert.Contains("compute", CardAdmission.Refusal(Card, 1000, held, new("b", 1, 401, 100, false)));
        Assert.Contains("MiB free", CardAdmission.Refusal(Card, 1000, held, new("b", 1, 100, 41_921, false)));
        Assert.Contains("not idle", CardAdmission.Refusal(Card, 1000, held, new("b", 1, 1000, 0, true)));
        Assert.Contains("held whole", CardAdmission.Refusal(Card, 2000, [new GpuSlice("w", 1, 1000, 81_920, true)], new("b", 1, 1, 1, false)));
    }

    [Fact]
    public void Oversubscription_raises_the_compute_ceiling_but_not_memory()
    {
        GpuSlice[] held = [new("a", 1, 1000, 40_000, false)];
        Assert.NotNull(CardAdmission.Refusal(Card, 1000, held, new("b", 1, 500, 1000, false)));
        Assert.Null(CardAdmission.Refusal(Card, 2000, held, new("b", 1, 1000, 1000, false)));
        Assert.NotNull(CardAdmission.Refusal(Card, 2000, held, new("b", 1, 500, 41_921, false)));
    }

    [Fact]
    public void Online_memory_may_not_oversubscribe_the_device_though_other_memory_may()
    {
        var online = new TaskPriority(PriorityClass.Online);
        GpuSlice[] held = [new("svc", 1, 300, 50_000, false, online), new("batch", 1, 500, 60_000, false)];

        // Memory oversubscribed 2× (160 GB): a service's memory counts against the 80 GB device with the other services' only.
        Assert.Contains("online work", CardAdmission.Refusal(Card, 2000, 163_840, held, new("svc-2", 1, 300, 31_921, false, online)));
        Assert.Null(CardAdmission.Refusal(Card, 2000, 163_840, held, new("svc-2", 1, 300, 31_920, false, online)));
        Assert.Null(CardAdmission.Refusal(Card, 2000, 163_840, held, new("batch-2", 1, 300, 50_000, false)));
    }
}
