namespace Orion.Silo.Access;

/// <summary>What a web request of a pool that requires tokens gets (<see cref="WebAccessRule"/>).</summary>
public enum WebAccess
{
    /// <summary>Served without a token: health, metrics, the sign-in form and its style.</summary>
    Open,

    /// <summary>Served to its token.</summary>
    Allowed,

    /// <summary>The page without a token: the sign-in form, 401.</summary>
    SignIn,

    /// <summary>Anything else without a token: 401, asking for a bearer token.</summary>
    Unauthorized,

    /// <summary>The Orleans dashboard to a token that is not an admin's: 403.</summary>
    Forbidden,
}
