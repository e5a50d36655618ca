using System.Collections.Immutable;
using Orion.Contracts;

namespace Orion.Grains.Access;

/// <summary>
/// A process task's environment often carries secrets (an API key, a hub token): its values are shown only to its own
/// tenant's tokens and admins; anyone else reading the task sees the names, each value hidden.
/// </summary>
public static class EnvironmentRedaction
{
    /// <summary>What a hidden value reads as.</summary>
    public const string Hidden = "(hidden)";

    /// <summary>Whether <paramref name="reader"/> may see the values of a spec of <paramref name="tenant"/>.</summary>
    public static bool Shows(AccessPrincipal reader, string tenant) =>
        reader.Role == AccessRole.Admin || (reader.Role == AccessRole.Tenant && reader.Tenant == tenant);

    /// <summary>The spec as <paramref name="reader"/> may see it.</summary>
    public static TaskSpec For(AccessPrincipal reader, TaskSpec spec) =>
        spec.Workload.Environment is { Count: > 0 } environment && !Shows(reader, spec.Tenant)
            ? spec with { Workload = spec.Workload with { Environment = environment.ToImmutableDictionary(e => e.Key, _ => Hidden) } }
            : spec;

    /// <summary>A read's answer as <paramref name="reader"/> may see it: tasks' and deployments' specs redacted; anything else as it is.</summary>
    public static object? For(AccessPrincipal reader, object? answer) => answer switch
    {
        VGpuTaskStatus task => task with { Spec = For(reader, task.Spec) },
        ImmutableArray<VGpuTaskStatus> tasks => tasks.Select(t => t with { Spec = For(reader, t.Spec) }).ToImmutableArray(),
        DeploymentStatus deployment => deployment with
        {
            Template = For(reader, deployment.Template),
            Revisions = deployment.Revisions.IsDefault ? deployment.Revisions : [.. deployment.Revisions.Select(r => r with { Template = For(reader, r.Template) })],
        },
        _ => answer,
    };
}
