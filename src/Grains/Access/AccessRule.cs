using Orion.Contracts;

namespace Orion.Grains.Access;

/// <summary>Decides whether a client's call may go ahead when the pool requires access tokens.</summary>
public static class AccessRule
{
    /// <summary>Null when the call may go ahead; otherwise why not, naming the method and the token.</summary>
    /// <param name="principal">The caller's token, or null when it gave none or an unknown one.</param>
    /// <param name="callers">Who may call the method (<see cref="AccessAttribute"/>).</param>
    /// <param name="target">Whose the called grain's thing is.</param>
    /// <param name="specTenants">The tenants of the specs the call carries (a submit names its own).</param>
    /// <param name="method">The method, as a refusal names it ("IVGpuTaskGrain.Cancel").</param>
    /// <param name="now">The pool's time, against which the token's expiry is read.</param>
    public static string? Denial(AccessPrincipal? principal, Callers callers, AccessTarget target, IReadOnlyCollection<string> specTenants, string method, DateTimeOffset now)
    {
        if (callers == Callers.None)
        {
            return $"{method} is a message between the pool's grains; no client may call it";
        }

        if (principal is null)
        {
            return $"{method} needs an access token (OrionClientOptions.Token, --token or $ORION_TOKEN); none or an unknown one was given";
        }

        if (principal.HasExpired(now))
        {
            return $"{principal} expired at {principal.Expires:yyyy-MM-dd HH:mm:ss}Z; an admin issues a new one (orion token issue)";
        }

        if (principal.Role == AccessRole.Admin || callers.HasFlag(Callers.Anyone))
        {
            return null;
        }

        if (principal.Role == AccessRole.Tenant && callers.HasFlag(Callers.Owner))
        {
            // Nothing owned yet (a task never submitted) leaves only the spec's tenant to check.
            if (target.Tenant == AccessTarget.NoTenant)
            {
                return $"{principal} may not call {method} on what is no tenant's: only an admin token may";
            }

            if (target.Tenant is { } owner && owner != principal.Tenant)
            {
                return $"{principal} may not call {method} on what tenant {owner} owns";
            }

            return specTenants.FirstOrDefault(t => t != principal.Tenant) is { } other
                ? $"{principal} may not call {method} with a spec of tenant {other}"
                : null;
        }

        if (principal.Role == AccessRole.Node && callers.HasFlag(Callers.Node))
        {
            // A token bound to a node speaks for that node only; an unbound one for any (one token for a fleet).
            return principal.Node is { } node && target.Node is { } on && on != node
                ? $"{principal} may not call {method} on node {on}"
                : null;
        }

        return $"{principal} may not call {method}: only {Allowed(callers)} may";
    }

    private static string Allowed(Callers callers)
    {
        var who = new List<string>();
        if (callers.HasFlag(Callers.Owner))
        {
            who.Add("its tenant's token");
        }

        if (callers.HasFlag(Callers.Node))
        {
            who.Add("its node's token");
        }

        who.Add("an admin token");
        return string.Join(" or ", who);
    }
}
