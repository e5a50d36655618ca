using Orion.Grains.Access;

namespace Orion.Silo.Access;

/// <summary>Decides what a web request gets when the pool requires tokens: the page, its API and the dashboard need one.</summary>
public static class WebAccessRule
{
    /// <summary>What a request for <paramref name="path"/> by <paramref name="reader"/> (null: no known token) gets at <paramref name="now"/>.</summary>
    public static WebAccess Decide(PathString path, AccessPrincipal? reader, DateTimeOffset now)
    {
        // Load balancers and scrapers are kept to the network instead; the sign-in form must be reachable to sign in.
        if (path.StartsWithSegments("/health") || path.StartsWithSegments("/metrics") || path.StartsWithSegments("/login")
            || path.StartsWithSegments("/logout") || path == "/pool.css")
        {
            return WebAccess.Open;
        }

        // An expired token is as none: the page asks for another.
        return (reader?.HasExpired(now) == true ? null : reader) switch
        {
            null when path == "/" => WebAccess.SignIn,
            null => WebAccess.Unauthorized,
            { Role: not AccessRole.Admin } when path.StartsWithSegments("/dashboard") => WebAccess.Forbidden,
            _ => WebAccess.Allowed,
        };
    }
}
