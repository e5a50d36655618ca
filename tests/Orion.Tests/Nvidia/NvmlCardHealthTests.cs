using Orion.NodeDaemon.Nvidia;

namespace Orion.Tests.Nvidia;

/// <summary>How NVML's answers about a card are read as its health (no NVML needed: the readings are given).</summary>
public sealed class NvmlCardHealthTests
{
    private const int Success = 0, NotSupported = 3, NotFound = 6, Unknown = 999, GpuIsLost = 15;

    [Fact]
    public void A_card_that_answers_without_errors_or_without_the_features_is_healthy()
    {
        Assert.Null(new NvmlCardHealth(Success, "").Fault);
        Assert.Null(new NvmlCardHealth(Success, "", Ecc: Success, UncorrectableErrors: 0, Remap: Success).Fault);

        // A reading that fails for another reason says nothing either way.
        Assert.Null(new NvmlCardHealth(Success, "", Ecc: Unknown, UncorrectableErrors: 7, Remap: Unknown, RemapFailed: true).Fault);
    }

    [Fact]
    public void A_lost_card_is_broken_whichever_reading_found_it_lost()
    {
        Assert.Contains("fallen off the bus", new NvmlCardHealth(GpuIsLost, "GPU is lost").Fault);
        Assert.Contains("fallen off the bus", new NvmlCardHealth(Success, "", Ecc: GpuIsLost).Fault);
        Assert.Contains("fallen off the bus", new NvmlCardHealth(Success, "", Remap: GpuIsLost).Fault);
        Assert.Equal("NVML cannot find the card: Not Found", new NvmlCardHealth(NotFound, "Not Found").Fault);
    }

    [Fact]
    public void Memory_errors_break_it_the_gravest_named_first()
    {
        Assert.Equal("3 uncorrectable ECC error(s) since the driver loaded; the card needs a reset",
            new NvmlCardHealth(Success, "", Ecc: Success, UncorrectableErrors: 3, Remap: NotSupported).Fault);
        Assert.Equal("a memory row remapping is pending; the card needs a reset",
            new NvmlCardHealth(Success, "", Ecc: Success, UncorrectableErrors: 3, Remap: Success, RemapPending: true).Fault);
        Assert.Equal("a memory row remapping failed; the card needs replacing",
            new NvmlCardHealth(Success, "", Ecc: Success, UncorrectableErrors: 3, Remap: Success, RemapPending: true, RemapFailed: true).Fault);
    }
}
