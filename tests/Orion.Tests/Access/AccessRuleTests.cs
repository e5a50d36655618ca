using Orion.Contracts;
using Orion.Grains.Access;

namespace Orion.Tests.Access;

public sealed class AccessRuleTests
{
    private static readonly AccessPrincipal Admin = new("ops", AccessRole.Admin);
    private static readonly AccessPrincipal Search = new("ci", AccessRole.Tenant, Tenant: "search");
    private static readonly AccessPrincipal AnyNode = new("fleet", AccessRole.Node);
    private static readonly AccessPrincipal Node3 = new("node-3", AccessRole.Node, Node: "dc1/node-3");
    private static readonly AccessPrincipal Viewer = new("grafana", AccessRole.Viewer);

    private static readonly DateTimeOffset Now = new(2026, 12, 1, 16, 0, 0, TimeSpan.Zero);

    private static string? Denial(AccessPrincipal? who, Callers callers, AccessTarget target = default, params string[] specTenants) =>
        AccessRule.Denial(who, callers, target, specTenants, "IVGpuTaskGrain.Cancel", Now);

    [Fact]
    public void An_expired_token_is_refused_by_name_and_expiry_whatever_its_role_and_one_still_valid_is_not()
    {
        foreach (var who in new[] { Admin, Search, Node3, Viewer })
        {
            var expired = who with { Expires = Now };
            Assert.Equal(
                $"{who} expired at 2026-12-01 16:00:00Z; an admin issues a new one (orion token issue)",
                Denial(expired, Callers.Anyone | Callers.Owner | Callers.Node, new AccessTarget(who.Tenant, who.Node)));
            Assert.Null(Denial(who with { Expires = Now.AddTicks(1) }, Callers.Anyone));
        }

        // A message between grains stays refused for that reason first.
        Assert.EndsWith("no client may call it", Denial(Admin with { Expires = Now }, Callers.None));
    }

    [Fact]
    public void An_issued_token_that_cannot_be_verified_now_is_refused_saying_why_not_as_unknown()
    {
        Assert.Equal(
            "IVGpuTaskGrain.Cancel was not called: token 'ci' cannot be verified now",
            AccessRule.Denial(null, Callers.Anyone, default, [], "IVGpuTaskGrain.Cancel", Now, unverified: "token 'ci' cannot be verified now"));
        Assert.EndsWith("no client may call it", AccessRule.Denial(null, Callers.None, default, [], "IVGpuTaskGrain.Cancel", Now, unverified: "token 'ci' cannot be verified now"));
    }

    [Fact]
    public void No_client_may_call_a_message_between_grains_not_even_an_admin()
    {
        foreach (var who in new[] { Admin, Search, AnyNode, Viewer, null })
        {
            Assert.Equal("IVGpuTaskGrain.Cancel is a message between the pool's grains; no client may call it", Denial(who, Callers.None));
        }
    }

    [Fact]
    public void Without_a_known_token_nothing_is_allowed_and_the_refusal_says_how_to_give_one()
    {
        Assert.Equal(
            "IVGpuTaskGrain.Cancel needs an access token (OrionClientOptions.Token, --token or $ORION_TOKEN); none or an unknown one was given",
            Denial(null, Callers.Anyone));
    }

    [Fact]
    public void Every_token_reads_and_an_admin_token_does_everything_a_client_may()
    {
        foreach (var who in new[] { Admin, Search, AnyNode, Node3, Viewer })
        {
            Assert.Null(Denial(who, Callers.Anyone));
        }

        foreach (var callers in new[] { Callers.Owner, Callers.Node, Callers.Admin, Callers.Owner | Callers.Node })
        {
            Assert.Null(Denial(Admin, callers, new AccessTarget("ads", "dc1/node-9"), "ads"));
        }
    }

    [Fact]
    public void A_tenant_token_acts_on_its_own_tenant_only()
    {
        Assert.Null(Denial(Search, Callers.Owner, new AccessTarget("search", "dc1/node-0")));
        Assert.Null(Denial(Search, Callers.Owner, default, "search"));
        Assert.Equal("token 'ci' (tenant search) may not call IVGpuTaskGrain.Cancel on what tenant ads owns",
            Denial(Search, Callers.Owner, new AccessTarget("ads", null)));

        // A spec naming another tenant is refused also for a task not submitted yet (owned by no one), and a resubmit
        // of someone else's task id is refused even with its own tenant's spec.
        Assert.Equal("token 'ci' (tenant search) may not call IVGpuTaskGrain.Cancel with a spec of tenant ads",
            Denial(Search, Callers.Owner, default, "ads"));
        Assert.Contains("on what tenant ads owns", Denial(Search, Callers.Owner, new AccessTarget("ads", null), "search"));

        // Nothing owned and no spec (a task id no one has used): nothing to act on, nothing refused.
        Assert.Null(Denial(Search, Callers.Owner));
    }

    [Fact]
    public void A_tenant_token_may_not_do_what_only_admins_or_nodes_may()
    {
        Assert.Equal("token 'ci' (tenant search) may not call IVGpuTaskGrain.Cancel: only an admin token may", Denial(Search, Callers.Admin, new AccessTarget("search", null)));
        Assert.Equal("token 'ci' (tenant search) may not call IVGpuTaskGrain.Cancel: only its node's token or an admin token may", Denial(Search, Callers.Node, new AccessTarget("search", "dc1/node-0")));
    }

    [Fact]
    public void A_node_token_speaks_for_its_own_node_or_for_any_when_unbound()
    {
        Assert.Null(Denial(Node3, Callers.Node, new AccessTarget("search", "dc1/node-3")));
        Assert.Null(Denial(AnyNode, Callers.Node, new AccessTarget("search", "dc1/node-7")));
        Assert.Equal("token 'node-3' (node dc1/node-3) may not call IVGpuTaskGrain.Cancel on node dc1/node-7",
            Denial(Node3, Callers.Node, new AccessTarget("search", "dc1/node-7")));

        // A report about a task placed nowhere now (stale): the grain drops it by its generation.
        Assert.Null(Denial(Node3, Callers.Node, new AccessTarget("search", null)));
        Assert.Equal("token 'node-3' (node dc1/node-3) may not call IVGpuTaskGrain.Cancel: only its tenant's token or an admin token may",
            Denial(Node3, Callers.Owner, new AccessTarget("search", "dc1/node-3")));
    }

    [Fact]
    public void A_viewer_token_only_reads()
    {
        foreach (var callers in new[] { Callers.Owner, Callers.Node, Callers.Admin, Callers.Owner | Callers.Node })
        {
            Assert.StartsWith("token 'grafana' (viewer) may not call IVGpuTaskGrain.Cancel: only", Denial(Viewer, callers, new AccessTarget(null, null)));
        }

        Assert.Equal("token 'grafana' (viewer) may not call IVGpuTaskGrain.Cancel: only its tenant's token or its node's token or an admin token may",
            Denial(Viewer, Callers.Owner | Callers.Node));
    }

    [Fact]
    public void What_is_no_tenants_is_an_admins_only_even_for_a_call_its_owner_may_make()
    {
        Assert.Equal(
            "token 'ci' (tenant search) may not call IVGpuTaskGrain.Cancel on what is no tenant's: only an admin token may",
            Denial(Search, Callers.Owner, new AccessTarget(AccessTarget.NoTenant, null)));
        Assert.Null(Denial(Admin, Callers.Owner, new AccessTarget(AccessTarget.NoTenant, null)));
    }

    [Fact]
    public void Where_tenants_are_kept_apart_a_tenants_token_reads_what_is_its_own_or_no_ones_and_admins_and_viewers_read_all()
    {
        string? Read(AccessPrincipal who, string? owner, TenantReads reads = TenantReads.Own) =>
            AccessRule.Denial(who, Callers.Anyone, new AccessTarget(owner, null), [], "ITenantGrain.GetUsage", Now, reads);

        Assert.Equal(
            "token 'ci' (tenant search) may not read ITenantGrain.GetUsage of what tenant ads owns: this pool keeps tenants apart (Orion:Access:TenantReads is Own)",
            Read(Search, "ads"));
        Assert.Null(Read(Search, "search"));
        Assert.Null(Read(Search, null)); // a task never submitted: nothing to read
        Assert.Null(Read(Search, AccessTarget.NoTenant));
        Assert.Null(Read(Admin, "ads"));
        Assert.Null(Read(Viewer, "ads"));
        Assert.Null(Read(Search, "ads", TenantReads.All));
    }
}
