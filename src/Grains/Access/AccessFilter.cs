using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orion.Contracts;
using Orion.Grains.Telemetry;

namespace Orion.Grains.Access;

/// <summary>
/// Checks every client's call to an Orion grain against its token (<see cref="AccessRule"/>) when the pool requires
/// access tokens. Calls between grains, and the silos' own callers carrying the cluster's secret, are not checked.
/// </summary>
public sealed class AccessFilter(
    AccessTokens tokens,
    CallRates rates,
    ClusterCredential credential,
    IGrainFactory grains,
    IOptions<AccessOptions> options,
    [FromKeyedServices(OrionClock.Key)] TimeProvider time,
    ILogger<AccessFilter> logger) : IIncomingGrainCallFilter
{
    private readonly TenantReads reads = options.Value.TenantReads;

    private static readonly ConcurrentDictionary<MethodInfo, Callers> Declared = new();

    /// <summary>
    /// Refusals a second that go into the pool's feed once <see cref="FeedBurst"/> is spent, so a client hammering with a
    /// bad token cannot push every other event out of the feed's newest 500 (each is still logged and counted).
    /// </summary>
    public const double FeedPerSecond = 2;

    /// <summary>Refusals that go into the feed at once after a quiet spell.</summary>
    public const int FeedBurst = 20;

    // Wall time: rates, not the pool's clock.
    private readonly TokenBucket feedLimit = new(TimeProvider.System, FeedPerSecond, FeedBurst);

    public Task Invoke(IIncomingGrainCallContext context)
    {
        if (context.SourceId is not { } source || !source.IsClient() || credential.Matches(RequestContext.Get(ClusterCredential.RequestKey)))
        {
            return context.Invoke();
        }

        if (context.InterfaceMethod.DeclaringType?.Assembly != typeof(AccessAttribute).Assembly)
        {
            // Orleans' own interfaces: a client has no business with them on Orion's grains (a forged reminder tick);
            // other grains' (the Orleans dashboard's) are theirs to guard.
            return context.Grain.GetType().Assembly == typeof(AccessFilter).Assembly
                ? throw Refuse(context, $"{context.InterfaceName}.{context.MethodName} is not for clients")
                : context.Invoke();
        }

        var resolving = tokens.Resolve(RequestContext.Get(AccessToken.RequestKey) as string);
        return resolving.IsCompletedSuccessfully ? Check(context, resolving.Result) : CheckLater(context, resolving);
    }

    private async Task CheckLater(IIncomingGrainCallContext context, ValueTask<TokenResolution> resolving) => await Check(context, await resolving);

    private Task Check(IIncomingGrainCallContext context, TokenResolution resolved)
    {
        var principal = resolved.Principal;
        var callers = Declared.GetOrAdd(context.InterfaceMethod, m => m.GetCustomAttribute<AccessAttribute>()?.Callers ?? Callers.None);
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
        var denial = AccessRule.Denial(principal, callers, target, specTenants, method, time.GetUtcNow(), reads, resolved.Unverified);
        if (denial is null && rates.Over(principal!) is { } rate)
        {
            OrionTelemetry.AccessCalls.Add(1, new TagList
            {
                { OrionTelemetry.Attributes.Method, method },
                { OrionTelemetry.Attributes.Role, principal!.Role.ToString().ToLowerInvariant() },
                { OrionTelemetry.Attributes.Outcome, "limited" },
            });
            throw new CallRateExceededException($"{principal} is over its rate of {rate} calls a second (Orion:Access:CallsPerSecond): {method} was not called; slow down");
        }

        OrionTelemetry.AccessCalls.Add(1, new TagList
        {
            { OrionTelemetry.Attributes.Method, method },
            { OrionTelemetry.Attributes.Role, principal?.Role.ToString().ToLowerInvariant() ?? "none" },
            { OrionTelemetry.Attributes.Outcome, denial is null ? "allowed" : "refused" },
        });
        if (denial is not null)
        {
            throw Refuse(context, denial);
        }

        // Allowed: only a known token is (AccessRule).
        var caller = principal!;

        // Who the grain is serving (IPoolGrain.WhoAmI): the silo's word, whatever the client put there.
        RequestContext.Set(AccessToken.CallerKey, caller.ToString());
        if (caller.Expires is { } expires)
        {
            // A token it issues may not outlive it (IAccessTokenGrain.Issue).
            RequestContext.Set(AccessToken.CallerExpiresKey, expires);
        }
        else
        {
            RequestContext.Remove(AccessToken.CallerExpiresKey);
        }

        if (callers.HasFlag(Callers.Anyone))
        {
            return caller.Role == AccessRole.Admin ? context.Invoke() : Redacted(context, caller);
        }

        // Who changed what: the audit trail is the log (kept and shipped as the silo's logs are), refusals also the feed.
        logger.LogInformation("{Principal} called {Method} on {Grain}", caller.ToString(), method, context.TargetId);
        return caller.Role == AccessRole.Admin ? context.Invoke() : Redacted(context, caller);
    }

    /// <summary>Logs the refusal and puts it in the pool's feed; the exception to throw to the caller.</summary>
    private UnauthorizedAccessException Refuse(IIncomingGrainCallContext context, string denial)
    {
        logger.LogWarning("Refused {Method} on {Grain}: {Denial}", context.MethodName, context.TargetId, denial);
        if (feedLimit.TryTake(out var leftOut))
        {
            var taskId = context.Grain is IVGpuTaskGrain ? context.TargetId.Key.ToString()! : "";
            var detail = leftOut > 0 ? $"{denial} ({leftOut} more refused before it on this silo, left out of the feed)" : denial;
            grains.GetGrain<IPoolEventsGrain>(GrainKeys.Pool).Publish(PoolEventKinds.AccessRefused, taskId, context.TargetId.ToString(), detail, 0).Ignore();
        }

        return new UnauthorizedAccessException(denial);
    }

    /// <summary>An answer as its caller may see it (another tenant's task environment hidden, only its own tenant's tokens listed).</summary>
    private Task Redacted(IIncomingGrainCallContext context, AccessPrincipal reader) =>
        reads == TenantReads.Own && reader is { Role: AccessRole.Tenant, Tenant: { } tenant } ? KeptApart(context, reader, tenant) : RedactedAsync(context, reader);

    private static async Task RedactedAsync(IIncomingGrainCallContext context, AccessPrincipal reader)
    {
        await context.Invoke();
        context.Result = TenantPrivacy.For(reader, context.Result);
    }

    /// <summary>An answer narrowed to the caller's own tenant (<see cref="TenantView"/>), where the pool keeps tenants apart.</summary>
    private async Task KeptApart(IIncomingGrainCallContext context, AccessPrincipal reader, string tenant)
    {
        var grain = context.InterfaceMethod.DeclaringType!;
        if (grain == typeof(ITaskCatalogGrain) && context.Request.GetArgument(0) is TaskQuery query)
        {
            // Asked of its own tasks, so a limit counts its own (another tenant's asked for: none).
            context.Request.SetArgument(0, query with { Tenant = tenant, Limit = query.Tenant is null || query.Tenant == tenant ? query.Limit : 0 });
        }
        else if (grain == typeof(ISchedulerGrain) && context.MethodName == nameof(ISchedulerGrain.WhyWaiting)
            && context.Request.GetArgument(0) is string taskId
            && (await grains.GetGrain<IVGpuTaskGrain>(taskId).PeekStatus())?.Spec.Tenant is { } owner && owner != tenant)
        {
            context.Result = null;
            return;
        }

        await context.Invoke();
        var answer = context.Result;
        var ownTasks = TenantView.NeedsOwnTasks(answer)
            ? (await grains.GetGrain<ITaskCatalogGrain>(GrainKeys.Pool).List(new TaskQuery(Tenant: tenant, Limit: int.MaxValue))).Select(t => t.TaskId).ToHashSet(StringComparer.Ordinal)
            : [];
        // Asked without waiting on the deployments' turns: one may be waiting on the directory answering here.
        var ownDeployments = TenantView.NeedsOwnDeployments(grain, answer) && answer is System.Collections.Immutable.ImmutableArray<string> names
            ? (await Task.WhenAll(names.Select(async n => (Name: n, Tenant: await grains.GetGrain<IDeploymentGrain>(n).PeekTenant()))))
                .Where(d => d.Tenant == tenant).Select(d => d.Name).ToHashSet(StringComparer.Ordinal)
            : [];
        context.Result = TenantPrivacy.For(reader, TenantView.For(tenant, grain, answer, ownTasks, ownDeployments));
    }
}
