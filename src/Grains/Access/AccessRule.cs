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
    /// <param name="reads">What a tenant's token may read (<see cref="AccessOptions.TenantReads"/>).</param>
    /// <param name="unverified">Why the caller's token, issued by the pool, cannot be verified now (<see cref="TokenResolution.Unverified"/>).</param>
    public static string? Denial(
        AccessPrincipal? principal, Callers callers, AccessTarget target, IReadOnlyCollection<string> specTenants, string method, DateTimeOffset now,
        TenantReads reads = TenantReads.All, string? unverified = null)
    {
        if (callers == Callers.None)
        {
            return $"{method} is a message between the pool's grains; no client may call it";
        }

        if (principal is null && unverified is not null)
        {
            return $"{method} was not called: {unverified}";
        }

        if (principal is null)
        {
            return $"{method} needs an access token (OrionClientOptions.Token, --token or $ORION_TOKEN); none or an unknown one was given";
        }

        if (principal.HasExpired(now))
        {
            return $"{principal} expired at {principal.Expires:yyyy-MM-dd HH:mm:ss}Z; an admin issues a new one (orion token issue)";
        }

        if (principal.Role == AccessRole.Admin)
        {
            return null;
        }

        if (callers.HasFlag(Callers.Anyone))
        {
            // Kept apart: another tenant's task, deployment, quota or usage is not for it to read (what is no one's yet reads as nothing).
            return reads == TenantReads.Own && principal.Role == AccessRole.Tenant && target.Tenant is { Length: > 0 } owner && owner != principal.Tenant
                ? $"{principal} may not read {method} of what tenant {owner} owns: this pool keeps tenants apart (Orion:Access:TenantReads is Own)"
                : null;
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
