using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.Extensions.Logging;
using Orion.Contracts;

namespace Orion.Grains.Access;

/// <summary>
/// Checks every client's call to an Orion grain against its token (<see cref="AccessRule"/>) when the pool requires
/// access tokens. Calls between grains, and the silos' own callers carrying the cluster's secret, are not checked.
/// </summary>
public sealed class AccessFilter(AccessTokens tokens, ClusterCredential credential, ILogger<AccessFilter> logger) : IIncomingGrainCallFilter
{
    private static readonly ConcurrentDictionary<MethodInfo, Callers> Declared = new();

    public Task Invoke(IIncomingGrainCallContext context)
    {
        if (context.SourceId is not { } source || !source.IsClient()
            || context.InterfaceMethod.DeclaringType?.Assembly != typeof(AccessAttribute).Assembly
            || credential.Matches(RequestContext.Get(ClusterCredential.RequestKey)))
        {
            return context.Invoke();
        }

        var callers = Declared.GetOrAdd(context.InterfaceMethod, m => m.GetCustomAttribute<AccessAttribute>()?.Callers ?? Callers.None);
        var principal = tokens.Resolve(RequestContext.Get(AccessToken.RequestKey) as string);
        var target = context.Grain is IAccessTarget owned ? owned.TargetOf(context.Request) : default;
        var specTenants = new List<string>();
        for (var i = 0; i < context.Request.GetArgumentCount(); i++)
        {
            if (context.Request.GetArgument(i) is TaskSpec spec)
            {
                specTenants.Add(spec.Tenant);
            }
        }

        var method = $"{context.InterfaceMethod.DeclaringType!.Name}.{context.MethodName}";
        if (AccessRule.Denial(principal, callers, target, specTenants, method) is { } denial)
        {
            logger.LogWarning("Refused {Method} on {Grain}: {Denial}", method, context.TargetId, denial);
            throw new UnauthorizedAccessException(denial);
        }

        return context.Invoke();
    }
}
