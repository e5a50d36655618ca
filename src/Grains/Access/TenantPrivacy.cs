using System.Collections.Immutable;
using Orion.Contracts;

namespace Orion.Grains.Access;

/// <summary>
/// What of a tenant's task is its tenant's alone (where the pool requires tokens): its environment's values, which often
/// carry secrets (an API key, a hub token), its notify URL (a webhook's carries its key) and its log. Its own tenant's
/// tokens and admins see them; anyone else reading the task sees the environment's names, each value hidden, the URL
/// hidden, and no log.
/// </summary>
public static class TenantPrivacy
{
    /// <summary>What a hidden value reads as.</summary>
    public const string Hidden = "(hidden)";

    /// <summary>Whether <paramref name="reader"/> may see what is private to a task of <paramref name="tenant"/>.</summary>
    public static bool Shows(AccessPrincipal reader, string tenant) =>
        reader.Role == AccessRole.Admin || (reader.Role == AccessRole.Tenant && reader.Tenant == tenant);

    /// <summary>The spec as <paramref name="reader"/> may see it.</summary>
    public static TaskSpec For(AccessPrincipal reader, TaskSpec spec)
    {
        if (Shows(reader, spec.Tenant))
        {
            return spec;
        }

        // A notify URL is a secret too (a chat webhook's carries its key).
        var hidden = spec.Notify is null ? spec : spec with { Notify = Hidden };
        return spec.Workload.Environment is { Count: > 0 } environment
            ? hidden with { Workload = spec.Workload with { Environment = environment.ToImmutableDictionary(e => e.Key, _ => Hidden) } }
            : hidden;
    }

    /// <summary>The task as <paramref name="reader"/> may see it: the same record when nothing is hidden (a list copies no more than it must).</summary>
    private static VGpuTaskStatus For(AccessPrincipal reader, VGpuTaskStatus task) =>
        For(reader, task.Spec) is var spec && ReferenceEquals(spec, task.Spec) ? task : task with { Spec = spec };

    /// <summary>A read's answer as <paramref name="reader"/> may see it: tasks' and deployments' specs redacted, issued tokens of its tenant only; anything else as it is.</summary>
    public static object? For(AccessPrincipal reader, object? answer) => answer switch
    {
        VGpuTaskStatus task => For(reader, task),
        ImmutableArray<VGpuTaskStatus> tasks => tasks.Select(t => For(reader, t)).ToImmutableArray(),
        DeploymentStatus deployment => deployment with
        {
            Template = For(reader, deployment.Template),
            Revisions = deployment.Revisions.IsDefault ? deployment.Revisions : [.. deployment.Revisions.Select(r => r with { Template = For(reader, r.Template) })],
        },
        // A tenant's own token lists its tenant's issued tokens only (admins see all).
        IssuedTokenList tokens when reader.Role != AccessRole.Admin =>
            tokens with { Tokens = [.. tokens.Tokens.Where(t => t.Role == "tenant" && t.Tenant == reader.Tenant)] },
        _ => answer,
    };
}
