using Microsoft.AspNetCore.Http;
using Orion.Grains.Access;
using Orion.Silo.Access;

namespace Orion.Tests.Access;

public sealed class WebAccessRuleTests
{
    private static readonly AccessPrincipal Admin = new("ops", AccessRole.Admin);
    private static readonly AccessPrincipal Viewer = new("grafana", AccessRole.Viewer);
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 16, 0, 0, TimeSpan.Zero);

    [Fact]
    public void An_expired_token_is_as_none_the_page_asks_for_another()
    {
        var expired = Admin with { Expires = Now };
        Assert.Equal(WebAccess.SignIn, WebAccessRule.Decide("/", expired, Now));
        Assert.Equal(WebAccess.Unauthorized, WebAccessRule.Decide("/api/tasks", expired, Now));
        Assert.Equal(WebAccess.Unauthorized, WebAccessRule.Decide("/dashboard", expired, Now));
        Assert.Equal(WebAccess.Open, WebAccessRule.Decide("/health", expired, Now));
        Assert.Equal(WebAccess.Allowed, WebAccessRule.Decide("/api/tasks", Admin with { Expires = Now.AddSeconds(1) }, Now));
    }

    [Theory]
    [InlineData("/health")]
    [InlineData("/metrics")]
    [InlineData("/login")]
    [InlineData("/logout")]
    [InlineData("/pool.css")]
    public void Health_metrics_and_the_sign_in_form_are_open_to_anyone(string path)
    {
        Assert.Equal(WebAccess.Open, WebAccessRule.Decide(path, null, Now));
        Assert.Equal(WebAccess.Open, WebAccessRule.Decide(path, Viewer, Now));
    }

    [Fact]
    public void Without_a_token_the_page_signs_in_and_everything_else_is_unauthorized()
    {
        Assert.Equal(WebAccess.SignIn, WebAccessRule.Decide("/", null, Now));
        foreach (var path in new[] { "/api/pool", "/api/stream", "/pool.js", "/dashboard/", "/healthz", "/metricsx" })
        {
            Assert.Equal(WebAccess.Unauthorized, WebAccessRule.Decide(new PathString(path), null, Now));
        }
    }

    [Fact]
    public void Any_token_reads_the_page_and_api_and_only_an_admins_opens_the_dashboard()
    {
        Assert.Equal(WebAccess.Allowed, WebAccessRule.Decide("/", Viewer, Now));
        Assert.Equal(WebAccess.Allowed, WebAccessRule.Decide("/api/tasks/t-1/log", Viewer, Now));
        Assert.Equal(WebAccess.Forbidden, WebAccessRule.Decide("/dashboard", Viewer, Now));
        Assert.Equal(WebAccess.Forbidden, WebAccessRule.Decide("/dashboard/grains", new AccessPrincipal("ci", AccessRole.Tenant, "search"), Now));
        Assert.Equal(WebAccess.Allowed, WebAccessRule.Decide("/dashboard/", Admin, Now));
    }
}
