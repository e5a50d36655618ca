namespace Orion.Benchmarks.Colocation;

/// <summary>An online inference service: a slice, its memory and a day-peaked request curve.</summary>
/// <param name="Name">Its name.</param>
/// <param name="ShareMilli">Its slice of a card (its kernels cannot use more: that is why cards sit idle).</param>
/// <param name="MemoryMiB">Its GPU memory.</param>
/// <param name="PeakRps">Requests per second at the day's peak.</param>
/// <param name="GpuMsPerRequest">Service time of one request on its slice.</param>
/// <param name="PeakHour">Hour of the peak (UTC).</param>
public sealed record OnlineService(string Name, int ShareMilli, long MemoryMiB, double PeakRps, double GpuMsPerRequest, double PeakHour)
{
    /// <summary>Requests per second at <paramref name="hour"/>: a bell (σ 2.5 h) around the peak, none at night.</summary>
    public double RpsAt(double hour)
    {
        var d = Math.Abs(hour - PeakHour);
        d = Math.Min(d, 24 - d);
        var factor = Math.Exp(-(d * d) / (2 * 2.5 * 2.5));

        // Office-hours traffic: below a thousandth of the peak the service sees no requests at all.
        return factor < 1e-3 ? 0 : PeakRps * factor;
    }
}
