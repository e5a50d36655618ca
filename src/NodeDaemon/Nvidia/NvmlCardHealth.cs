namespace Orion.NodeDaemon.Nvidia;

/// <summary>
/// What NVML's answers about one card say of its health, as DCGM's health watches read them: a card NVML has lost, a row
/// remapping that failed (the card needs replacing) or is pending (it needs a reset), or uncorrectable ECC errors since the
/// driver loaded (it needs a reset) is broken. A feature the card lacks (no ECC, no row remapper before Ampere) and a reading
/// that failed otherwise say nothing. Pure: the readings come in as NVML's result codes and values.
/// </summary>
/// <param name="Found">The result of finding the card by its UUID.</param>
/// <param name="FoundText">NVML's words for <paramref name="Found"/>.</param>
/// <param name="Ecc">The result of reading its volatile uncorrectable ECC count.</param>
/// <param name="UncorrectableErrors">That count.</param>
/// <param name="Remap">The result of reading its row remapper.</param>
/// <param name="RemapPending">A remapping waits for a reset.</param>
/// <param name="RemapFailed">A remapping ever failed.</param>
internal readonly record struct NvmlCardHealth(
    int Found, string FoundText, int Ecc = Nvml.NotSupported, ulong UncorrectableErrors = 0, int Remap = Nvml.NotSupported, bool RemapPending = false, bool RemapFailed = false)
{
    /// <summary>Why the card is broken, or null when nothing read says so.</summary>
    public string? Fault =>
        Found == Nvml.GpuIsLost || Ecc == Nvml.GpuIsLost || Remap == Nvml.GpuIsLost ? "the GPU has fallen off the bus (NVML: GPU is lost); the machine needs a reboot"
        : Found != Nvml.Success ? $"NVML cannot find the card: {FoundText}"
        : Remap == Nvml.Success && RemapFailed ? "a memory row remapping failed; the card needs replacing"
        : Remap == Nvml.Success && RemapPending ? "a memory row remapping is pending; the card needs a reset"
        : Ecc == Nvml.Success && UncorrectableErrors > 0 ? $"{UncorrectableErrors} uncorrectable ECC error(s) since the driver loaded; the card needs a reset"
        : null;
}
