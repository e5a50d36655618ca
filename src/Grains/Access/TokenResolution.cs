namespace Orion.Grains.Access;

/// <summary>What a silo made of a token: who it is, or why it could not tell.</summary>
/// <param name="Principal">Who the token is (expired or not); null for none, one the pool does not take, or one it cannot verify now.</param>
/// <param name="Unverified">
/// Why a token the pool issued is not taken now though it may still be good (the silo's copy of the issued tokens is too
/// old to trust with a revocation); null otherwise.
/// </param>
public readonly record struct TokenResolution(AccessPrincipal? Principal, string? Unverified = null);
