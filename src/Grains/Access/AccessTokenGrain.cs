using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orion.Contracts;

namespace Orion.Grains.Access;

/// <summary>Keeps the tokens issued through the pool (<see cref="TokenIssuance"/> decides); silos read them into <see cref="AccessTokens"/>.</summary>
public sealed class AccessTokenGrain(
    [PersistentState("tokens", PoolOptions.StorageName)] IPersistentState<AccessTokenRecord> record,
    [FromKeyedServices(OrionClock.Key)] TimeProvider time,
    ILogger<AccessTokenGrain> logger) : Grain, IAccessTokenGrain
{
    private IssuedTokenList? stored;

    public async Task<IssuedToken> Issue(TokenRequest request)
    {
        var by = RequestContext.Get(AccessToken.CallerKey) as string ?? "the cluster";
        var (list, token) = TokenIssuance.Issue(Stored, request, time.GetUtcNow(), by);
        await Store(list);
        logger.LogInformation("{IssuedBy} issued token {Name} ({Role}), expiring {ExpiresAt}", by, token.Name, token.Role, token.ExpiresAt);
        return token;
    }

    public async Task<IssuedToken?> Revoke(string name)
    {
        var (list, token) = TokenIssuance.Revoke(Stored, name ?? "");
        if (token is not null)
        {
            await Store(list);
            logger.LogInformation("{RevokedBy} revoked token {Name}", RequestContext.Get(AccessToken.CallerKey) as string ?? "the cluster", token.Name);
        }

        return token;
    }

    public Task<IssuedTokenList> List() => Task.FromResult(Stored);

    public Task<IssuedTokenList?> Read(long knownVersion) => Task.FromResult(Stored.Version == knownVersion ? null : Stored);

    /// <summary>What silos are given: the list as last stored (reads interleave with a write in progress).</summary>
    private IssuedTokenList Stored => stored ?? record.State.Issued;

    /// <summary>In force only once stored.</summary>
    private async Task Store(IssuedTokenList list)
    {
        var before = Stored;
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
