using Orion.Contracts;
using Orion.Grains.Access;

namespace Orion.Tests.Access;

public sealed class AccessOptionsValidatorTests
{
    private static readonly string Hash = AccessToken.Hash("orion_a");

    private static IReadOnlyList<string> Errors(AccessOptions options) =>
        new AccessOptionsValidator().Validate(null, options).Failures?.ToList() ?? [];

    private static AccessOptions With(bool required, params AccessTokenOptions[] tokens)
    {
        var options = new AccessOptions { Required = required };
        options.Tokens.AddRange(tokens);
        return options;
    }

    [Fact]
    public void The_defaults_and_a_complete_table_keep_every_rule()
    {
        Assert.Empty(Errors(new AccessOptions()));
        Assert.Empty(Errors(With(
            true,
            new AccessTokenOptions { Name = "ops", Role = "admin", Sha256 = Hash },
            new AccessTokenOptions { Name = "ci", Role = "Tenant", Tenant = "search", Sha256 = AccessToken.Hash("orion_b") },
            new AccessTokenOptions { Name = "n3", Role = "node", Node = "dc1/node-3", Sha256 = AccessToken.Hash("orion_c") },
            new AccessTokenOptions { Name = "grafana", Role = "viewer", Sha256 = AccessToken.Hash("orion_d") })));
    }

    [Fact]
    public void Required_without_an_admin_token_is_refused()
    {
        Assert.Equal(
            ["Orion:Access:Required needs at least one token of role admin in Orion:Access:Tokens, or no one could change the pool"],
            Errors(With(true, new AccessTokenOptions { Name = "ci", Role = "tenant", Tenant = "search", Sha256 = Hash })));
    }

    [Fact]
    public void Each_broken_entry_is_named_with_its_index_and_rule()
    {
        var options = With(
            false,
            new AccessTokenOptions { Name = "", Role = "root", Sha256 = "abc" },
            new AccessTokenOptions { Name = "ci", Role = "tenant", Sha256 = Hash },
            new AccessTokenOptions { Name = "ci", Role = "admin", Tenant = "search", Node = "dc1/n", Sha256 = Hash.ToUpperInvariant() },
            new AccessTokenOptions { Name = "n", Role = "node", Node = "node-3", Sha256 = AccessToken.Hash("orion_n") },
            new AccessTokenOptions { Name = "r", Role = "1", Sha256 = AccessToken.Hash("orion_r") });
        options.ClusterSecret = "short";
        options.CallsPerSecond = -1;
        options.CallBurst = -2;
        options.IssuedTokensMaxStale = TimeSpan.FromSeconds(-1);
        Assert.Equal(
        [
            "Orion:Access:Tokens:0:Name must be 1 to 100 characters, not blank, not ''",
            "Orion:Access:Tokens:0:Role must be admin, tenant, node or viewer, not 'root'",
            "Orion:Access:Tokens:0:Sha256 must be the token's SHA-256, 64 hex digits (orion token new prints it), not 'abc'",
            "Orion:Access:Tokens:1:Tenant is needed for a token of role tenant, and must be 1 to 100 characters, not blank, not ''",
            "Orion:Access:Tokens:2:Tenant is only for a token of role tenant, not admin",
            "Orion:Access:Tokens:2:Node is only for a token of role node, not admin",
            "Orion:Access:Tokens:2:Name must be unique among the tokens, not a second 'ci'",
            "Orion:Access:Tokens:2:Sha256 must be unique among the tokens: 'ci' has the same token as another",
            "Orion:Access:Tokens:3:Node must be a node id, data centre/name, not 'node-3'",
            "Orion:Access:Tokens:4:Role must be admin, tenant, node or viewer, not '1'",
            "Orion:Access:CallsPerSecond must be 0 (no limit) to 1000000, not -1",
            "Orion:Access:CallBurst must be 0 (twice the rate) to 1000000, not -2",
            "Orion:Access:IssuedTokensMaxStale must be 0 (no limit) or more, not -00:00:01",
            "Orion:Access:ClusterSecret must be at least 32 characters, not 5",
        ],
        Errors(options));
    }
}
