using Orion.Contracts;

namespace Orion.Client;

/// <summary>A token just issued (<see cref="OrionClient.IssueTokenAsync"/>): the token itself, shown only here, and what the pool keeps of it.</summary>
/// <param name="Token">The bearer token to hand its user; the pool holds only its SHA-256, so it cannot be shown again.</param>
/// <param name="Issued">The pool's entry for it: name, role, binding, expiry, who issued it.</param>
public sealed record NewAccessToken(string Token, IssuedToken Issued);
