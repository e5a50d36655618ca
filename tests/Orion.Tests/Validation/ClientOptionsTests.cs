using System.Net;
using Orion.Client;

namespace Orion.Tests.Validation;

public sealed class ClientOptionsTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(30)]
    [InlineData(60)]
    public async Task A_watch_poll_interval_outside_0_to_the_response_timeout_is_refused_before_connecting(double seconds)
    {
        var options = new OrionClientOptions { WatchPollInterval = TimeSpan.FromSeconds(seconds) };
        options.Gateways.Add(new IPEndPoint(IPAddress.Loopback, 1));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));

        var ex = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => OrionClient.ConnectAsync(options, cts.Token));
        Assert.Equal("options.WatchPollInterval", ex.ParamName);
        Assert.Contains("must be above 0 and below 30 s", ex.Message);
    }

    [Fact]
    public void A_client_over_a_connection_checks_its_poll_interval_too() =>
        Assert.Equal("watchPollInterval", Assert.Throws<ArgumentOutOfRangeException>(() => new OrionClient(null!, TimeSpan.Zero)).ParamName);
}
