using Orion.Grains.Notifications;

namespace Orion.Tests.Notifications;

public sealed class NotifyOptionsValidatorTests
{
    [Fact]
    public void Broken_settings_are_named_and_good_ones_pass()
    {
        var good = new NotifyOptions();
        good.AllowedHosts.AddRange(["hooks.slack.com", "*.example.com", "127.0.0.1"]);
        Assert.True(new NotifyOptionsValidator().Validate(null, good).Succeeded);

        var bad = new NotifyOptions { Timeout = TimeSpan.Zero, Attempts = 0, SigningKey = "short", RetryFor = TimeSpan.FromDays(8) };
        bad.AllowedHosts.AddRange(["", "*.", "https://hooks.slack.com/x"]);
        Assert.Equal(
        [
            "Orion:Notify:AllowedHosts:0 must be a host name or address, or *. and a domain, not ''",
            "Orion:Notify:AllowedHosts:1 must be a host name or address, or *. and a domain, not '*.'",
            "Orion:Notify:AllowedHosts:2 must be a host name or address, or *. and a domain, not 'https://hooks.slack.com/x'",
            "Orion:Notify:Timeout must be more than 0 and at most 00:05:00, not '00:00:00'",
            "Orion:Notify:Attempts must be 1 to 10, not '0'",
            "Orion:Notify:RetryFor must be 0 (no retry after the first attempts) to 7.00:00:00, not '8.00:00:00'",
            "Orion:Notify:SigningKey must be at least 32 characters, not 5",
        ],
        new NotifyOptionsValidator().Validate(null, bad).Failures!);

        // A key being rotated out: only beside a current one, and not the same.
        var rotating = new NotifyOptions { SigningKey = new string('n', 32), PreviousSigningKey = new string('k', 32) };
        Assert.True(new NotifyOptionsValidator().Validate(null, rotating).Succeeded);
        foreach (var broken in new[] { new NotifyOptions { PreviousSigningKey = new string('k', 32) }, new NotifyOptions { SigningKey = new string('k', 32), PreviousSigningKey = new string('k', 32) } })
        {
            Assert.Equal(
                ["Orion:Notify:PreviousSigningKey must be at least 32 characters, beside a SigningKey, and not the same key"],
                new NotifyOptionsValidator().Validate(null, broken).Failures!);
        }
    }

    [Fact]
    public void An_events_url_must_be_http_to_an_allowed_host_and_its_kinds_known()
    {
        var good = new NotifyOptions { EventsUrl = "https://hooks.slack.com/services/x" };
        good.AllowedHosts.Add("hooks.slack.com");
        good.EventKinds.AddRange(["card-fault", "cordon"]);
        Assert.True(new NotifyOptionsValidator().Validate(null, good).Succeeded);

        var elsewhere = new NotifyOptions { EventsUrl = "https://hooks.example.com/x" };
        elsewhere.AllowedHosts.Add("hooks.slack.com");
        elsewhere.EventKinds.Add("node-lost");
        var failures = new NotifyOptionsValidator().Validate(null, elsewhere).Failures!.ToArray();
        Assert.Equal("Orion:Notify:EventsUrl must name a host this pool may notify (hooks.slack.com), not 'hooks.example.com'", failures[0]);
        Assert.StartsWith("Orion:Notify:EventKinds:0 must be one of placement, preemption,", failures[1]);
        Assert.EndsWith(", not 'node-lost'", failures[1]);
        Assert.Equal(2, failures.Length);

        Assert.Equal(
            ["Orion:Notify:EventsUrl must be an absolute http or https URL"],
            new NotifyOptionsValidator().Validate(null, new NotifyOptions { EventsUrl = "ftp://hooks.slack.com/x" }).Failures!);
        Assert.Equal(
            ["Orion:Notify:EventsUrl must be null: this pool sends no notifications (Orion:Notify:AllowedHosts is empty)"],
            new NotifyOptionsValidator().Validate(null, new NotifyOptions { EventsUrl = "https://hooks.slack.com/x" }).Failures!);
    }
}
