using System.Globalization;
using Orion.Contracts;
using Orion.NodeDaemon.Nvidia;

namespace Orion.Tests.Nvidia;

/// <summary>
/// A real CUDA process (<c>cuda_hold.py</c>: python3 and the driver, no toolkit) on this machine's first card: its
/// memory moves to host RAM and back through the CUDA checkpoint API, the card frees and takes back that memory as NVML
/// reads it, and the process finds every byte it wrote intact. Needs an NVIDIA GPU and driver 570+ (Category=gpu).
/// </summary>
[Trait("Category", "gpu")]
public sealed class NvidiaCudaMemoryTests(ITestOutputHelper output) : IDisposable
{
    private const long HeldMiB = 4096;
    private readonly string dir = Directory.CreateTempSubdirectory("orion-cuda-").FullName;
    private readonly NvidiaGpuBackend backend = new(NvidiaDevices.Discover("dc1/contract"), hostSwapMiB: 64 * 1024)
    {
        StopGrace = TimeSpan.FromSeconds(2),
        MpsPipeDirectory = NvidiaBackendContractTests.NoMps(),
    };

    public void Dispose()
    {
        backend.Dispose();
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public async Task A_CUDA_process_memory_moves_to_host_and_back_intact_and_the_card_frees_it_meanwhile()
    {
        var (card, exited, release, _, idle, holding) = await StartHolding();
        var moved = await backend.SwapOut("cuda", 1);
        var whileOut = InUse(card);
        var back = await backend.SwapIn("cuda", 1);
        var afterBack = await Settled(card, idle + HeldMiB, exited);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{card.Model}: idle {idle} MiB, holding {holding}, while out {whileOut}, back {afterBack}; out {moved.BytesMoved >> 20} MiB in {moved.Duration.TotalMilliseconds:0} ms, back in {back.Duration.TotalMilliseconds:0} ms"));

        Assert.True(moved.Applied && moved.ResidentMiB == 0, moved.ToString());
        Assert.InRange(moved.BytesMoved >> 20, HeldMiB, HeldMiB + 2048);
        Assert.True(whileOut < holding - HeldMiB, $"the card still had {whileOut} MiB in use with the task's memory on host ({holding} MiB before)");
        Assert.True(back.Applied && back.HostMiB == 0, back.ToString());
        Assert.False(exited.IsCompleted, "the process ended during the moves");

        // Released, it reads back every chunk it wrote: exit 0 only when all of them are intact.
        await File.WriteAllTextAsync(release, "");
        var exit = await exited.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(exit.Succeeded, exit.Reason);
    }

    [Fact]
    public async Task A_CUDA_process_that_computes_reads_busy_and_one_that_waits_reads_idle()
    {
        var (card, exited, release, busy, _, _) = await StartHolding();

        // NVML's per-process samples cover the last second or so.
        await File.WriteAllTextAsync(busy, "");
        var computing = await Reading(v => v > 0);
        File.Delete(busy);
        var waiting = await Reading(v => v == 0);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{card.Model}: computing {computing:0.#}%, waiting {waiting:0.#}%"));

        Assert.True(computing is > 0 and <= 100, $"compute read {computing}% while computing");
        Assert.Equal(0, waiting);
        await File.WriteAllTextAsync(release, "");
        Assert.True((await exited.WaitAsync(TimeSpan.FromSeconds(60))).Succeeded);
    }

    /// <summary>Starts the CUDA process on the first card and waits until the card shows its memory held.</summary>
    private async Task<Holding> StartHolding()
    {
        var card = backend.Devices[0];
        var exits = new TaskCompletionSource<TaskExit>(TaskCreationOptions.RunContinuationsAsynchronously);
        backend.Exited += e => exits.TrySetResult(e);
        var (release, busy) = (Path.Combine(dir, "release"), Path.Combine(dir, "busy"));
        var idle = InUse(card);
        var script = Path.Combine(AppContext.BaseDirectory, "Nvidia", "cuda_hold.py");
        backend.Start(new TaskLaunch("cuda", 1, [card.GpuId], 1000, HeldMiB + 2048, WorkloadSpec.Process($"python3 '{script}' {HeldMiB} '{release}' '{busy}'")));

        // It holds its memory once the card shows it and the figure stops growing.
        return new Holding(card, exits.Task, release, busy, idle, await Settled(card, idle + HeldMiB, exits.Task));
    }

    private long InUse(GpuDevice card) => backend.MeasureUsage().Single(u => u.GpuId == card.GpuId).MemoryUsedMiB;

    /// <summary>The card's memory in use once it reaches <paramref name="atLeast"/> and holds still for half a second.</summary>
    private async Task<long> Settled(GpuDevice card, long atLeast, Task<TaskExit> exited)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        var last = -1L;
        while (true)
        {
            Assert.False(exited.IsCompleted, exited.IsCompleted ? $"the process ended: {exited.Result.Reason}" : "");
            var now = InUse(card);
            if (now >= atLeast && now == last)
            {
                return now;
            }

            Assert.True(DateTime.UtcNow < deadline, $"the card's memory in use stayed at {now} MiB, short of {atLeast}");
            last = now;
            await Task.Delay(500);
        }
    }

    /// <summary>The task's compute as NVML reads it, once it satisfies <paramref name="wanted"/> (or the last reading after 15 s).</summary>
    private async Task<double> Reading(Func<double, bool> wanted)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        double value;
        do
        {
            await Task.Delay(250);
            value = backend.MeasureTaskActivity().GetValueOrDefault("cuda", -1);
        }
        while (!wanted(value) && DateTime.UtcNow < deadline);
        return value;
    }

    private sealed record Holding(GpuDevice Card, Task<TaskExit> Exited, string Release, string Busy, long IdleMiB, long HoldingMiB);
}
