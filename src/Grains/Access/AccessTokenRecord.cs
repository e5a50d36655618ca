using Orion.Contracts;

namespace Orion.Grains.Access;

/// <summary>The access token grain's persisted state: the tokens issued through the pool.</summary>
[GenerateSerializer, Alias("orion.AccessTokenRecord")]
public sealed class AccessTokenRecord
{
    [Id(0)]
    public IssuedTokenList Issued { get; set; } = IssuedTokenList.Empty;
}
