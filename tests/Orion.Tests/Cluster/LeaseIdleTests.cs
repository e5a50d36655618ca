using Orion.Client;
using Orion.Contracts;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

/// <summary>A lease whose demand sends were cut off or failed still ends with the card told it is idle.</summary>
public sealed class LeaseIdleTests
{
    private const string SetDemand = "IGpuGrain.SetDemand";

    [Fact]
    public async Task A_request_cancelled_while_its_busy_send_is_on_the_way_still_ends_in_idle()
    {
        var gate = new GrainCallGate();
        await using var pool = await StartAsync([Node("n0", gpus: 1)], gate: gate);
        await using var lease = await pool.Client.AcquireAsync(Specs.Service(50, 4096, requestsPerSecond: 0), new LeaseOptions { HoldTime = TimeSpan.FromSeconds(1) });
        var card = pool.Grains.GetGrain<IGpuGrain>(lease.Status.Placement!.GpuIds[0]);

        var held = gate.Close(SetDemand);
        using var cts = new CancellationTokenSource();
        var request = lease.BeginRequestAsync(cts.Token).AsTask();
        await held.WaitAsync(TimeSpan.FromSeconds(15));
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request);

        // The busy lands after the caller gave up on it.
        gate.Open(SetDemand);
        await pool.EventuallyAsync(async () => Assert.Contains(lease.TaskId, (await card.GetSnapshot())!.Busy));

        pool.Advance(TimeSpan.FromSeconds(1));
        await pool.EventuallyAsync(async () => Assert.Empty((await card.GetSnapshot())!.Busy));
    }

    [Fact]
    public async Task An_idle_send_that_fails_is_sent_again_after_the_hold()
    {
        var faults = new GrainCallFaults();
        var calls = new GrainCallCounter();
        await using var pool = await StartAsync([Node("n0", gpus: 1)], faults: faults, calls: calls);
        await using var lease = await pool.Client.AcquireAsync(Specs.Service(50, 4096, requestsPerSecond: 0), new LeaseOptions { HoldTime = TimeSpan.FromSeconds(1) });
        var card = pool.Grains.GetGrain<IGpuGrain>(lease.Status.Placement!.GpuIds[0]);
        var wentIdle = 0;
        lease.WentIdle += () => Interlocked.Increment(ref wentIdle);

        await (await lease.BeginRequestAsync()).DisposeAsync();
        Assert.Contains(lease.TaskId, (await card.GetSnapshot())!.Busy);
        faults.Fail(SetDemand);
        calls.Clear();
        pool.Advance(TimeSpan.FromSeconds(1));
        await pool.EventuallyAsync(() => Task.Run(() => Assert.Equal(1, calls[SetDemand])));

        // Let the failure reach the lease before the card takes calls again.
        await Task.Delay(200);
        faults.Heal(SetDemand);
        Assert.Contains(lease.TaskId, (await card.GetSnapshot())!.Busy);

        pool.Advance(TimeSpan.FromSeconds(1));
        await pool.EventuallyAsync(async () => Assert.Empty((await card.GetSnapshot())!.Busy));
        await pool.EventuallyAsync(() => Task.Run(() => Assert.Equal(1, wentIdle)));
        Assert.Equal(2, lease.TransitionsSent);
    }
}
