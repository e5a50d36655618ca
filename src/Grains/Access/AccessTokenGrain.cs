using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orion.Contracts;

namespace Orion.Grains.Access;

/// <summary>Keeps the tokens issued through the pool (<see cref="TokenIssuance"/> decides); silos read them into <see cref="AccessTokens"/>.</summary>
public sealed class AccessTokenGrain(
    [PersistentState("tokens", PoolOptions.StorageName)] IPersistentState<AccessTokenRecord> record,
    [FromKeyedServices(OrionClock.Key)] TimeProvider time,
    AccessTokens tokens,
    ILocalSiloDetails silo,
    ILogger<AccessTokenGrain> logger) : Grain, IAccessTokenGrain, IAccessTarget
{
    // The list as last stored: what reads answer, also while a write is in progress (they interleave with it).
    private IssuedTokenList stored = IssuedTokenList.Empty;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        stored = record.State.Issued;
        return Task.CompletedTask;
    }

    public async Task<IssuedToken> Issue(TokenRequest request)
    {
        var by = RequestedBy.Caller ?? "the cluster";
        var (list, token) = TokenIssuance.Issue(stored, request, time.GetUtcNow(), by, RequestContext.Get(AccessToken.CallerExpiresKey) as DateTimeOffset?);
        await Store(list);
        logger.LogInformation("{IssuedBy} issued token {Name} ({Role}), expiring {ExpiresAt}", by, token.Name, token.Role, token.ExpiresAt);
        Changed($"issued {Describe(token)}");
        return token;
    }

    public async Task<IssuedToken?> Rotate(string name, string sha256, TimeSpan? validFor)
    {
        var by = RequestedBy.Caller ?? "the cluster";
        var (list, token) = TokenIssuance.Rotate(
            stored, name ?? "", sha256 ?? "", validFor, time.GetUtcNow(), by, RequestContext.Get(AccessToken.CallerExpiresKey) as DateTimeOffset?);
        if (token is not null)
        {
            await Store(list);
            logger.LogInformation("{RotatedBy} rotated token {Name}, expiring {ExpiresAt}", by, token.Name, token.ExpiresAt);
            Changed($"rotated {Describe(token)}");
        }

        return token;
    }

    public async Task<IssuedToken?> Revoke(string name)
    {
        var (list, token) = TokenIssuance.Revoke(stored, name ?? "");
        if (token is not null)
        {
            await Store(list);
            logger.LogInformation("{RevokedBy} revoked token {Name}", RequestedBy.Caller ?? "the cluster", token.Name);
            Changed($"revoked {Describe(token)}");
        }

        return token;
    }

    public Task<IssuedTokenList> List() => Task.FromResult(stored);

    public Task<System.Collections.Immutable.ImmutableArray<ConfiguredToken>> ListConfigured() => Task.FromResult<System.Collections.Immutable.ImmutableArray<ConfiguredToken>>(
        [.. tokens.Configured.OrderBy(t => t.Name, StringComparer.Ordinal)
            .Select(t => new ConfiguredToken(t.Name, t.Role.ToString().ToLowerInvariant(), t.Tenant, t.Node, t.Expires, silo.SiloAddress.ToString()))]);

    /// <summary>A token as the feed names it: its name and binding, never its hash.</summary>
    private static string Describe(IssuedToken token) =>
        $"token '{token.Name}' ({token.Role}{(token.Tenant is { } t ? $" {t}" : "")}{(token.Node is { } n ? $" {n}" : "")})"
        + (token.ExpiresAt is { } at ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $", expiring {at:yyyy-MM-dd HH:mm:ss}Z") : "");

    /// <summary>Tells the pool's feed of a change to the issued tokens, and who made it.</summary>
    private void Changed(string detail) =>
        GrainFactory.GetGrain<IPoolEventsGrain>(GrainKeys.Pool).Publish(PoolEventKinds.TokenChange, "", "tokens", RequestedBy.Noted(detail), 0).Ignore();

    /// <summary>
    /// A token of role tenant is its tenant's: that tenant's own tokens may issue and revoke it (a team lead makes its CI
    /// tokens); any other role is no tenant's. A name not issued is nobody's (revoking it changes nothing).
    /// </summary>
    public AccessTarget TargetOf(Orleans.Serialization.Invocation.IInvokable request) => request.GetArgumentCount() == 0 ? default : request.GetArgument(0) switch
    {
        TokenRequest asked => new(OwnerOf(asked.Role, asked.Tenant), null),
        string name when stored.Tokens.FirstOrDefault(t => t.Name == name.Trim()) is { } token => new(OwnerOf(token.Role, token.Tenant), null),
        _ => default,
    };

    private static string OwnerOf(string role, string? tenant) =>
        string.Equals(role, "tenant", StringComparison.OrdinalIgnoreCase) && tenant is not null ? tenant : AccessTarget.NoTenant;

    public Task<IssuedTokenList?> Read(long knownVersion) => Task.FromResult(stored.Version == knownVersion ? null : stored);

    /// <summary>In force only once stored.</summary>
    private async Task Store(IssuedTokenList list)
    {
        var before = stored;
        record.State.Issued = list;
        try
        {
            await record.WriteStateAsync();
            stored = list;
        }
        catch
        {
            record.State.Issued = before;
            throw;
        }
    }
}
