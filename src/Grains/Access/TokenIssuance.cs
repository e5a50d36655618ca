using System.Collections.Immutable;
using Orion.Contracts;

namespace Orion.Grains.Access;

/// <summary>What issuing and revoking a token make of the pool's issued tokens.</summary>
public static class TokenIssuance
{
    /// <summary>
    /// The list with the token <paramref name="request"/> asks for added, and that token, which expires no later than
    /// <paramref name="notAfter"/> (its issuer's own expiry: a token does not outlive the token that issued it).
    /// </summary>
    /// <exception cref="ArgumentException">The request breaks a rule, or its name or token is issued already; the message names the field.</exception>
    public static (IssuedTokenList List, IssuedToken Token) Issue(IssuedTokenList list, TokenRequest request, DateTimeOffset now, string issuedBy, DateTimeOffset? notAfter = null)
    {
        var errors = AccessTokenRules.Check(request);
        if (!errors.IsEmpty)
        {
            throw new ArgumentException(string.Join("; ", errors), errors[0].Field);
        }

        var name = request.Name.Trim();
        if (list.Tokens.Any(t => t.Name == name))
        {
            throw new ArgumentException($"token.Name must be unique among the issued tokens: '{name}' is issued already (orion token revoke {name} first)", "token.Name");
        }

        var hash = request.Sha256.ToLowerInvariant();
        if (list.Tokens.Any(t => t.Sha256 == hash))
        {
            throw new ArgumentException("token.Sha256 must be unique among the issued tokens: that token is issued already, under another name", "token.Sha256");
        }

        if (list.Tokens.Length >= AccessTokenRules.MaxIssued)
        {
            throw new ArgumentException($"token: at most {AccessTokenRules.MaxIssued} tokens may be issued at once; revoke some first", "token");
        }

        var expires = (now + request.ValidFor, notAfter) switch
        {
            ({ } asked, { } cap) => asked < cap ? asked : cap,
            (var asked, var cap) => asked ?? cap,
        };
        var token = new IssuedToken(name, request.Role.ToLowerInvariant(), request.Tenant, request.Node, hash, now, issuedBy, expires);
        return (new IssuedTokenList(list.Version + 1, [.. list.Tokens.Add(token).OrderBy(t => t.Name, StringComparer.Ordinal)]), token);
    }

    /// <summary>
    /// The list with the token named <paramref name="name"/> replaced by a new one of the same name, role and binding
    /// (<paramref name="sha256"/>), and that token: valid for <paramref name="validFor"/>, else for as long as the old one
    /// was issued for, and no later than <paramref name="notAfter"/>. The same list and null when none has that name.
    /// </summary>
    /// <exception cref="ArgumentException">The hash or the validity breaks its rule, or the token is issued already; nothing was changed.</exception>
    public static (IssuedTokenList List, IssuedToken? Token) Rotate(
        IssuedTokenList list, string name, string sha256, TimeSpan? validFor, DateTimeOffset now, string issuedBy, DateTimeOffset? notAfter = null)
    {
        if (list.Tokens.FirstOrDefault(t => t.Name == name.Trim()) is not { } old)
        {
            return (list, null);
        }

        var request = new TokenRequest(old.Name, old.Role, old.Tenant, old.Node, sha256, validFor ?? (old.ExpiresAt - old.IssuedAt));
        var (added, token) = Issue(list with { Tokens = list.Tokens.Remove(old) }, request, now, issuedBy, notAfter);
        return (added with { Version = list.Version + 1 }, token);
    }

    /// <summary>The list without the token named <paramref name="name"/>, and that token; the same list and null when none has that name.</summary>
    public static (IssuedTokenList List, IssuedToken? Token) Revoke(IssuedTokenList list, string name)
    {
        var token = list.Tokens.FirstOrDefault(t => t.Name == name.Trim());
        return token is null ? (list, null) : (new IssuedTokenList(list.Version + 1, list.Tokens.Remove(token)), token);
    }
}
