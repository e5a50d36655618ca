using Orion.Contracts;

namespace Orion.Grains;

/// <summary>
/// Who asked for a change, as the pool's feed says it: the caller's token as the access filter named it, carried in the
/// request context through the grains the call reaches. Nobody is named where the pool takes no tokens, or where the
/// pool itself acts (a timer, a reminder).
/// </summary>
public static class RequestedBy
{
    /// <summary>The caller's token ("token 'ops' (admin)"); null when unknown.</summary>
    public static string? Caller => RequestContext.Get(AccessToken.CallerKey) as string;

    /// <summary><paramref name="detail"/>, and who asked when that is known.</summary>
    public static string Noted(string detail) => Caller is { } caller ? $"{detail} (by {caller})" : detail;
}
