using Orion.Contracts;

namespace Orion.NodeDaemon.Simulated;

/// <summary>A task running in the simulator: its work, share, pages (per card) and progress.</summary>
internal sealed class SimulatedProcess(TaskLaunch launch, SimulatedCard[] cards, long pagesPerCard, double totalGpuMs)
{
    public TaskLaunch Launch { get; } = launch;

    public SimulatedCard[] Cards { get; } = cards;

    /// <summary>Pages allocated on each card: resident + on host + in transit.</summary>
    public long PagesPerCard { get; } = pagesPerCard;

    public long ResidentPages { get; set; }

    public long HostPages { get; set; }

    /// <summary>Pages on their way (either direction); they occupy both device and host until the move ends.</summary>
    public long TransitPages { get; set; }

    /// <summary>Work to do in reference GPU-ms; infinity for services.</summary>
    public double TotalGpuMs { get; } = totalGpuMs;

    public double GpuMsDone { get; set; }

    /// <summary>Reference GPU-ms of work done per wall-clock ms at the current sharing.</summary>
    public double Rate { get; set; }

    public double Remaining => TotalGpuMs - GpuMsDone;

    /// <summary>Named pause holds; the process is paused while any remains.</summary>
    public HashSet<string> Holds { get; } = new(StringComparer.Ordinal);

    public bool Paused => Holds.Count > 0;

    /// <summary>A process progresses only unpaused and with all its pages on the device.</summary>
    public bool Runnable => !Paused && HostPages == 0 && TransitPages == 0;

    /// <summary>The share the task would use on a card of speed <paramref name="speed"/>, in thousandths of it.</summary>
    public double WantedMilli(double speed)
    {
        if (!Runnable)
        {
            return 0;
        }

        var share = (double)Launch.ComputeMilli;
        if (Launch.Workload.Kind != WorkloadKind.Service)
        {
            return share;
        }

        // A service keeps the card busy rps × ms-per-request of each second (on the reference card).
        var busyFraction = Launch.Workload.RequestsPerSecond * Launch.Workload.GpuMsPerUnit / 1000.0 / speed;
        return Math.Min(share, busyFraction * 1000.0);
    }
}
