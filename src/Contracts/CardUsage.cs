namespace Orion.Contracts;

/// <summary>
/// What a card does now, as its daemon measured it: beside the pool's books (what slices hold), what the hardware
/// reports. On NVIDIA cards, NVML's utilisation (the share of its last sample period in which a kernel ran) and the
/// device memory in use by anyone; on simulated cards, the compute their tasks take and the pages resident.
/// </summary>
/// <param name="GpuId">The card.</param>
/// <param name="BusyPercent">How busy the card is, 0–100.</param>
/// <param name="MemoryUsedMiB">Device memory in use.</param>
[GenerateSerializer, Alias("orion.CardUsage"), Immutable]
public sealed record CardUsage(
    [property: Id(0)] string GpuId,
    [property: Id(1)] double BusyPercent,
    [property: Id(2)] long MemoryUsedMiB);
