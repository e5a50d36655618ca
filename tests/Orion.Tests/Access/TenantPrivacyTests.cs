using System.Collections.Immutable;
using Orion.Contracts;
using Orion.Grains.Access;

namespace Orion.Tests.Access;

public sealed class TenantPrivacyTests
{
    private static readonly TaskSpec Spec = Specs.Batch(tenant: "search") with
    {
        Workload = WorkloadSpec.Process("python serve.py") with { Environment = ImmutableDictionary<string, string>.Empty.Add("HF_TOKEN", "hf_secret").Add("MODE", "fast") },
    };

    [Fact]
    public void Its_tenant_and_admins_see_the_values_and_everyone_else_only_the_names()
    {
        Assert.Same(Spec, TenantPrivacy.For(new AccessPrincipal("ops", AccessRole.Admin), Spec));
        Assert.Same(Spec, TenantPrivacy.For(new AccessPrincipal("ci", AccessRole.Tenant, "search"), Spec));
        foreach (var reader in new[] { new AccessPrincipal("ads", AccessRole.Tenant, "ads"), new AccessPrincipal("grafana", AccessRole.Viewer), new AccessPrincipal("n", AccessRole.Node) })
        {
            var seen = TenantPrivacy.For(reader, Spec);
            Assert.Equal(
                new Dictionary<string, string> { ["HF_TOKEN"] = "(hidden)", ["MODE"] = "(hidden)" },
                seen.Workload.Environment!.ToDictionary(e => e.Key, e => e.Value));
            Assert.Equal(Spec with { Workload = Spec.Workload with { Environment = null } }, seen with { Workload = seen.Workload with { Environment = null } });
        }
    }

    [Fact]
    public void Answers_carrying_specs_are_redacted_and_others_pass_as_they_are()
    {
        var ads = new AccessPrincipal("ads", AccessRole.Tenant, "ads");
        var status = new VGpuTaskStatus("t-1", Spec, TaskState.Pending, null, 0, DateTimeOffset.UnixEpoch, null, null, null, null, 1);
        string Hidden(object? answer) => answer switch
        {
            VGpuTaskStatus s => s.Spec.Workload.Environment!["HF_TOKEN"],
            ImmutableArray<VGpuTaskStatus> all => all.Single().Spec.Workload.Environment!["HF_TOKEN"],
            DeploymentStatus d => d.Template.Workload.Environment!["HF_TOKEN"],
            _ => "not a spec",
        };

        Assert.Equal("(hidden)", Hidden(TenantPrivacy.For(ads, status)));
        Assert.Equal("(hidden)", Hidden(TenantPrivacy.For(ads, ImmutableArray.Create(status))));
        var deployment = new DeploymentStatus("chat", Spec, 1, 1, [], DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, Revisions: [new(1, Spec, DateTimeOffset.UnixEpoch)]);
        Assert.Equal("(hidden)", Hidden(TenantPrivacy.For(ads, deployment)));
        Assert.Equal("(hidden)", ((DeploymentStatus)TenantPrivacy.For(ads, (object)deployment)!).Revisions[0].Template.Workload.Environment!["HF_TOKEN"]);
        Assert.Equal("hf_secret", Hidden(TenantPrivacy.For(new AccessPrincipal("ci", AccessRole.Tenant, "search"), status)));
        Assert.Equal(42, TenantPrivacy.For(ads, 42));
        Assert.Null(TenantPrivacy.For(ads, (object?)null));
    }

    [Fact]
    public void A_tenants_token_sees_its_own_tenants_issued_tokens_only_and_an_admin_all()
    {
        var at = new DateTimeOffset(2026, 12, 1, 16, 0, 0, TimeSpan.Zero);
        IssuedToken Token(string name, string role, string? tenant) => new(name, role, tenant, null, new string('a', 64), at, "token 'ops' (admin)", null);
        var list = new IssuedTokenList(4, [Token("ads-cron", "tenant", "ads"), Token("dash", "viewer", null), Token("search-cron", "tenant", "search")]);

        var seen = Assert.IsType<IssuedTokenList>(TenantPrivacy.For(new AccessPrincipal("ci", AccessRole.Tenant, "search"), list));
        Assert.Equal(4L, seen.Version);
        Assert.Equal(["search-cron"], seen.Tokens.Select(t => t.Name));
        Assert.Same(list, TenantPrivacy.For(new AccessPrincipal("ops", AccessRole.Admin), list));
    }

    [Fact]
    public void A_notify_url_is_its_tenants_and_admins_alone()
    {
        var spec = Specs.Batch(tenant: "search") with { Notify = "https://hooks.slack.com/services/T0/B0/secret" };
        Assert.Equal("(hidden)", TenantPrivacy.For(new AccessPrincipal("ads", AccessRole.Tenant, "ads"), spec).Notify);
        Assert.Equal("(hidden)", TenantPrivacy.For(new AccessPrincipal("grafana", AccessRole.Viewer), spec).Notify);
        Assert.Same(spec, TenantPrivacy.For(new AccessPrincipal("ci", AccessRole.Tenant, "search"), spec));
        Assert.Same(spec, TenantPrivacy.For(new AccessPrincipal("ops", AccessRole.Admin), spec));
        var plain = Specs.Batch(tenant: "search");
        Assert.Same(plain, TenantPrivacy.For(new AccessPrincipal("ads", AccessRole.Tenant, "ads"), plain));
    }
}
