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
