using Orion.Contracts;
using Orion.Grains.Access;

namespace Orion.Tests.Access;

public sealed class AccessTokenTableTests
{
    [Fact]
    public void A_token_is_found_by_its_hash_and_nothing_else_is()
    {
        var token = AccessToken.New();
        var table = new AccessTokenTable(
        [
            new AccessTokenOptions { Name = "ci", Role = "Tenant", Tenant = "search", Sha256 = AccessToken.Hash(token).ToUpperInvariant() },
            new AccessTokenOptions { Name = "n3", Role = "node", Node = "dc1/node-3", Sha256 = AccessToken.Hash("orion_node") },
        ]);

        Assert.Equal(new AccessPrincipal("ci", AccessRole.Tenant, "search"), table.Resolve(token));
        Assert.Equal(new AccessPrincipal("n3", AccessRole.Node, Node: "dc1/node-3"), table.Resolve("orion_node"));
        Assert.Null(table.Resolve(token + "x"));
        Assert.Null(table.Resolve(AccessToken.Hash(token)));
        Assert.Null(table.Resolve(""));
        Assert.Null(table.Resolve(null));
    }

    [Fact]
    public void Issued_tokens_and_settings_expiries_carry_their_expiry_and_the_settings_win_a_shared_hash()
    {
        var expires = new DateTimeOffset(2027, 3, 31, 0, 0, 0, TimeSpan.Zero);
        var settings = new AccessTokenTable([new AccessTokenOptions { Name = "ops", Role = "admin", Sha256 = AccessToken.Hash("orion_a"), Expires = expires }]);
        Assert.Equal(new AccessPrincipal("ops", AccessRole.Admin, Expires: expires), settings.Resolve("orion_a"));
        Assert.Equal(0, settings.Version);

        var at = expires.AddDays(-30);
        var issued = new AccessTokenTable(new IssuedTokenList(7,
        [
            new IssuedToken("ci", "tenant", "search", null, AccessToken.Hash("orion_b"), at, "token 'ops' (admin)", expires),
            new IssuedToken("fleet", "node", null, null, AccessToken.Hash("orion_c"), at, "token 'ops' (admin)", null),
            new IssuedToken("again", "viewer", null, null, AccessToken.Hash("orion_b"), at, "token 'ops' (admin)", null),
        ]));
        Assert.Equal(7, issued.Version);
        Assert.Equal(new AccessPrincipal("ci", AccessRole.Tenant, "search", Expires: expires), issued.Resolve("orion_b"));
        Assert.Equal(new AccessPrincipal("fleet", AccessRole.Node), issued.Resolve("orion_c"));
        Assert.Null(issued.Resolve("orion_a"));
    }

    [Fact]
    public void New_tokens_are_prefixed_random_and_hash_as_sha256_hex()
    {
        var a = AccessToken.New();
        Assert.StartsWith("orion_", a);
        Assert.Equal(6 + 43, a.Length);
        Assert.NotEqual(a, AccessToken.New());
        Assert.DoesNotContain('+', a);
        Assert.DoesNotContain('/', a);

        // SHA-256 of "abc" (FIPS 180-2's example).
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", AccessToken.Hash("abc"));
    }
}
