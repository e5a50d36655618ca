using System.Collections.Immutable;

namespace Orion.Contracts;

/// <summary>The tokens issued through the pool, as every silo reads them.</summary>
/// <param name="Version">One more for every issue and revocation, so a silo asks for the list only when it changed.</param>
/// <param name="Tokens">The tokens, by name.</param>
[GenerateSerializer, Alias("orion.IssuedTokenList"), Immutable]
public sealed record IssuedTokenList(
    [property: Id(0)] long Version,
    [property: Id(1)] ImmutableArray<IssuedToken> Tokens)
{
    /// <summary>None issued yet.</summary>
    public static IssuedTokenList Empty { get; } = new(0, []);
}
