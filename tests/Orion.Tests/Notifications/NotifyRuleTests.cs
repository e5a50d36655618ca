using Orion.Grains.Notifications;

namespace Orion.Tests.Notifications;

public sealed class NotifyRuleTests
{
    [Theory]
    [InlineData("https://hooks.slack.com/services/T0/B0/x", null)]
    [InlineData("https://HOOKS.slack.com/x", null)]
    [InlineData("http://ci.build.example.com:8080/hook", null)]
    [InlineData("https://example.com/hook", "must name a host this pool may notify (hooks.slack.com, *.example.com), not 'example.com'")]
    [InlineData("https://hooks.slack.com.evil.io/x", "must name a host this pool may notify (hooks.slack.com, *.example.com), not 'hooks.slack.com.evil.io'")]
    [InlineData("http://169.254.169.254/latest/meta-data", "must name a host this pool may notify (hooks.slack.com, *.example.com), not '169.254.169.254'")]
    public void A_url_may_name_an_allowed_host_or_a_subdomain_of_an_allowed_wildcard_and_nothing_else(string url, string? refusal) =>
        Assert.Equal(refusal, NotifyRule.Refusal(url, ["hooks.slack.com", "*.example.com"]));

    [Fact]
    public void A_pool_that_allows_no_host_sends_no_notifications() =>
        Assert.Equal("must be null: this pool sends no notifications (Orion:Notify:AllowedHosts is empty)", NotifyRule.Refusal("https://hooks.slack.com/x", []));
}
