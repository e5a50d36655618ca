using Orion.Contracts;
using Orion.Grains.Access;

namespace Orion.Tests.Access;

public sealed class TokenIssuanceTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 16, 0, 0, TimeSpan.Zero);
    private const string By = "token 'ops' (admin)";

    private static TokenRequest Request(string name, string role = "tenant", string? tenant = "search", string? node = null, TimeSpan? validFor = null) =>
        new(name, role, tenant, node, AccessToken.Hash(AccessToken.New()), validFor);

    [Fact]
    public void Issuing_adds_the_token_by_name_with_its_expiry_and_issuer_and_moves_the_version_on()
    {
        var (one, ci) = TokenIssuance.Issue(IssuedTokenList.Empty, Request("ci", "Tenant", validFor: TimeSpan.FromDays(30)), Now, By);
        var (two, fleet) = TokenIssuance.Issue(one, Request("fleet", "node", tenant: null) with { Sha256 = new string('A', 64) }, Now.AddHours(1), By);

        Assert.Equal(new IssuedToken("ci", "tenant", "search", null, ci.Sha256, Now, By, Now.AddDays(30)), ci);
        Assert.Equal(new string('a', 64), fleet.Sha256);
        Assert.Null(fleet.ExpiresAt);
        Assert.Equal((1, 2), (one.Version, two.Version));
        Assert.Equal(["ci", "fleet"], two.Tokens.Select(t => t.Name));
        Assert.True(ci.HasExpired(Now.AddDays(30)));
        Assert.False(ci.HasExpired(Now.AddDays(30).AddTicks(-1)));
        Assert.False(fleet.HasExpired(DateTimeOffset.MaxValue));
    }

    [Fact]
    public void A_token_expires_no_later_than_the_token_that_issued_it()
    {
        var cap = Now.AddDays(7);
        Assert.Equal(cap, TokenIssuance.Issue(IssuedTokenList.Empty, Request("forever"), Now, By, cap).Token.ExpiresAt);
        Assert.Equal(cap, TokenIssuance.Issue(IssuedTokenList.Empty, Request("longer", validFor: TimeSpan.FromDays(30)), Now, By, cap).Token.ExpiresAt);
        Assert.Equal(Now.AddDays(1), TokenIssuance.Issue(IssuedTokenList.Empty, Request("shorter", validFor: TimeSpan.FromDays(1)), Now, By, cap).Token.ExpiresAt);
        Assert.Null(TokenIssuance.Issue(IssuedTokenList.Empty, Request("unbounded"), Now, By).Token.ExpiresAt);
    }

    [Fact]
    public void A_request_that_breaks_a_rule_is_refused_naming_the_field_and_the_list_is_untouched()
    {
        var (list, _) = TokenIssuance.Issue(IssuedTokenList.Empty, Request("ci"), Now, By);
        var taken = list.Tokens[0];
        var cases = new (TokenRequest Request, string Error)[]
        {
            (Request(""), "token.Name must be 1 to 100 characters, not blank, not ''"),
            (Request("x", "root", null), "token.Role must be admin, tenant, node or viewer, not 'root'"),
            (Request("x", "tenant", null), "token.Tenant is needed for a token of role tenant"),
            (Request("x", "viewer", "search"), "token.Tenant is only for a token of role tenant, not viewer"),
            (Request("x", "viewer", null, "dc1/n0"), "token.Node is only for a token of role node, not viewer"),
            (Request("x", "node", null, "n0"), "token.Node must be a node id, data centre/name, not 'n0'"),
            (Request("x") with { Sha256 = "abc" }, "token.Sha256 must be the token's SHA-256, 64 hex digits"),
            (Request("x", validFor: TimeSpan.Zero), "token.ValidFor must be more than 0 and at most 3650 days, not 00:00:00"),
            (Request("x", validFor: TimeSpan.FromDays(3651)), "token.ValidFor must be more than 0 and at most 3650 days"),
            (Request(" ci "), "token.Name must be unique among the issued tokens: 'ci' is issued already (orion token revoke ci first)"),
            (Request("other") with { Sha256 = taken.Sha256.ToUpperInvariant() }, "token.Sha256 must be unique among the issued tokens"),
        };

        foreach (var (request, error) in cases)
        {
            var refused = Assert.Throws<ArgumentException>(() => TokenIssuance.Issue(list, request, Now, By));
            Assert.StartsWith(error, refused.Message);
            Assert.StartsWith("token", refused.ParamName);
        }
    }

    [Fact]
    public void At_most_the_limit_may_be_issued_at_once()
    {
        var list = IssuedTokenList.Empty;
        for (var i = 0; i < AccessTokenRules.MaxIssued; i++)
        {
            list = TokenIssuance.Issue(list, Request($"t{i}"), Now, By).List;
        }

        Assert.StartsWith($"token: at most {AccessTokenRules.MaxIssued} tokens", Assert.Throws<ArgumentException>(() => TokenIssuance.Issue(list, Request("one-more"), Now, By)).Message);
        var freed = TokenIssuance.Revoke(list, "t0").List;
        Assert.Equal(AccessTokenRules.MaxIssued, TokenIssuance.Issue(freed, Request("one-more"), Now, By).List.Tokens.Length);
    }

    [Fact]
    public void Rotating_replaces_the_token_keeping_its_name_role_binding_and_length_of_validity()
    {
        var (list, old) = TokenIssuance.Issue(IssuedTokenList.Empty, Request("ci", validFor: TimeSpan.FromDays(30)), Now, By);
        list = TokenIssuance.Issue(list, Request("ads", tenant: "ads"), Now, By).List;
        var later = Now.AddDays(20);
        var newHash = AccessToken.Hash("orion_new");

        var (rotated, token) = TokenIssuance.Rotate(list, "ci", newHash, null, later, "token 'ci' (tenant search)");
        Assert.Equal(new IssuedToken("ci", "tenant", "search", null, newHash, later, "token 'ci' (tenant search)", later.AddDays(30)), token);
        Assert.Equal(list.Version + 1, rotated.Version);
        Assert.Equal(["ads", "ci"], rotated.Tokens.Select(t => t.Name));
        Assert.DoesNotContain(rotated.Tokens, t => t.Sha256 == old.Sha256);

        // A validity of its own, capped by the rotating token's expiry; an unknown name changes nothing.
        Assert.Equal(later.AddDays(1), TokenIssuance.Rotate(list, "ci", newHash, TimeSpan.FromDays(1), later, By).Token!.ExpiresAt);
        Assert.Equal(later.AddHours(2), TokenIssuance.Rotate(list, "ci", newHash, null, later, By, later.AddHours(2)).Token!.ExpiresAt);
        Assert.Same(list, TokenIssuance.Rotate(list, "nobody", newHash, null, later, By).List);
        Assert.StartsWith("token.Sha256 must be the token's SHA-256", Assert.Throws<ArgumentException>(() => TokenIssuance.Rotate(list, "ci", "abc", null, later, By)).Message);
        Assert.StartsWith("token.Sha256 must be unique", Assert.Throws<ArgumentException>(() => TokenIssuance.Rotate(list, "ci", list.Tokens[0].Sha256, null, later, By)).Message);
    }

    [Fact]
    public void Revoking_removes_the_named_token_and_an_unknown_name_changes_nothing()
    {
        var (list, _) = TokenIssuance.Issue(IssuedTokenList.Empty, Request("ci"), Now, By);
        list = TokenIssuance.Issue(list, Request("ads", tenant: "ads"), Now, By).List;

        var (after, revoked) = TokenIssuance.Revoke(list, " ci");
        Assert.Equal("ci", revoked?.Name);
        Assert.Equal(["ads"], after.Tokens.Select(t => t.Name));
        Assert.Equal(list.Version + 1, after.Version);

        var (same, none) = TokenIssuance.Revoke(after, "ci");
        Assert.Null(none);
        Assert.Same(after, same);
    }
}
