using System.Collections.Immutable;
using Orleans.Concurrency;

namespace Orion.Contracts;

/// <summary>
/// The tokens an admin issued through the pool (<c>orion token issue</c>), kept in the pool's storage and read by
/// every silo beside the tokens of its own settings: added or revoked once, for every silo, without editing settings
/// files. Key: <see cref="GrainKeys.Pool"/>.
/// </summary>
[Alias("orion.IAccessTokenGrain")]
public interface IAccessTokenGrain : IGrainWithStringKey
{
    /// <summary>
    /// Issues a token: every silo takes it at once (an unknown token makes a silo read the list again). An admin's call, or
    /// for a token of role tenant, also that tenant's own tokens' (a team issues its CI tokens itself).
    /// </summary>
    /// <exception cref="ArgumentException">The request breaks a rule, or its name or token is issued already (the message names the field); nothing was changed.</exception>
    [Access(Callers.Owner)]
    [Alias("Issue")]
    Task<IssuedToken> Issue(TokenRequest request);

    /// <summary>
    /// Replaces the issued token of that name with a new one (<paramref name="sha256"/>) of the same role and binding, valid
    /// for <paramref name="validFor"/> or as long as the old one was: the old one is refused from then on, as a revoked one.
    /// Null when none has that name. Who may revoke it may rotate it.
    /// </summary>
    /// <exception cref="ArgumentException">The hash or the validity breaks its rule (the message names the field); nothing was changed.</exception>
    [Access(Callers.Owner)]
    [Alias("Rotate")]
    Task<IssuedToken?> Rotate(string name, string sha256, TimeSpan? validFor);

    /// <summary>
    /// Revokes the issued token of that name; every silo refuses it within <c>Orion:Pool:SettingsMaxAge</c>. Null when
    /// none has that name. An admin's call, or for a token of role tenant, also that tenant's own tokens'.
    /// </summary>
    [Access(Callers.Owner)]
    [Alias("Revoke")]
    Task<IssuedToken?> Revoke(string name);

    /// <summary>The issued tokens, expired ones too until revoked: all of them to an admin, a tenant's own to its tokens.</summary>
    [Access(Callers.Owner)]
    [Alias("List"), ReadOnly]
    Task<IssuedTokenList> List();

    /// <summary>
    /// The tokens of the settings of the silo this grain lives on (every silo should have the same; a silo whose settings
    /// differ takes its own), expired ones too: an admin's view of what is in force beside the issued ones.
    /// </summary>
    [Access(Callers.Admin)]
    [Alias("ListConfigured"), ReadOnly]
    Task<ImmutableArray<ConfiguredToken>> ListConfigured();

    /// <summary>The list for a silo's copy; null when its version is still <paramref name="knownVersion"/>.</summary>
    [Access(Callers.None)]
    [Alias("Read"), ReadOnly, AlwaysInterleave]
    Task<IssuedTokenList?> Read(long knownVersion);
}
