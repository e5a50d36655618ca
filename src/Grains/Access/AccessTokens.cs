using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Orion.Contracts;

namespace Orion.Grains.Access;

/// <summary>
/// The tokens a silo takes now: those of its settings, read again whenever they change (a watched settings file, a
/// mounted secret; settings that break a rule leave the last good ones in force), and those issued through the pool
/// (<see cref="IAccessTokenGrain"/>), a copy at most <see cref="PoolOptions.SettingsMaxAge"/> old.
/// </summary>
public sealed class AccessTokens : IDisposable
{
    private readonly IConfiguration configuration;
    private readonly ILogger<AccessTokens> logger;
    private readonly IDisposable watch;
    private readonly SiloCopy<AccessTokenTable> issued;
    private volatile AccessTokenTable table;
    private volatile AccessTokenTable? issuedKnown;
    private TimeSpan maxStale;

    public AccessTokens(IConfiguration configuration, IGrainFactory grains, IOptions<PoolOptions> pool, ILogger<AccessTokens> logger)
    {
        this.configuration = configuration;
        this.logger = logger;

        // Broken settings stop the silo as it starts (each error naming its setting); until then none is taken.
        var options = Read();
        table = TableOf(options, out _) ?? new AccessTokenTable([]);
        maxStale = options.IssuedTokensMaxStale;
        watch = ChangeToken.OnChange(configuration.GetReloadToken, Reload);
        issued = new(
            async () =>
            {
                var read = await grains.GetGrain<IAccessTokenGrain>(GrainKeys.Pool).Read(issuedKnown?.Version ?? -1);
                return issuedKnown = read is null ? issuedKnown! : new AccessTokenTable(read);
            },
            () => pool.Value.SettingsMaxAge,
            _ => true,
            TimeProvider.System);
    }

    /// <summary>
    /// Who the token is, expired or not (<see cref="AccessRule"/> names an expired one); no one for none or one the pool
    /// does not take, and also, saying why, for an issued one it cannot verify now. Settings' tokens are found without a
    /// call; issued ones from this silo's copy.
    /// </summary>
    public async ValueTask<TokenResolution> Resolve(string? token)
    {
        // Hashed once, then looked up in the settings' tokens and the issued ones.
        if (AccessTokenTable.HashOf(token) is not { } hash)
        {
            return default;
        }

        if (table.ByHash(hash) is { } configured)
        {
            return new(configured);
        }

        // A token the copy lacks may have been issued since: asked again (a version check, one out at a time, so made-up
        // tokens cost the token grain at most one small call in flight per silo).
        var copy = await issued.GetOrLast(() => new AccessTokenTable(IssuedTokenList.Empty), Unread);
        var found = copy.ByHash(hash) ?? (await issued.GetOrLast(TimeSpan.Zero, () => copy, Unread)).ByHash(hash);
        if (found is not null && TooStale(out _))
        {
            // An old copy is read again first: stale only while the token grain cannot be reached.
            found = (await issued.GetOrLast(TimeSpan.Zero, () => copy, Unread)).ByHash(hash);
        }

        if (found is not null && TooStale(out var age))
        {
            // Fail closed: the copy may still hold a token revoked since it was read.
            var setting = $"{AccessOptions.Section}:{nameof(AccessOptions.IssuedTokensMaxStale)}";
            logger.LogWarning("Refused issued token {Name}: the pool's issued tokens were last read {Age} ago, longer than {Setting} ({MaxStale})", found.Name, age, setting, maxStale);
            return new(null, $"{found} cannot be verified now: this silo last read the pool's issued tokens {Durations.Format(age >= TimeSpan.FromSeconds(10) ? TimeSpan.FromSeconds(Math.Round(age.TotalSeconds)) : TimeSpan.FromMilliseconds(Math.Round(age.TotalMilliseconds)))} ago, longer than {setting} ({Durations.Format(maxStale)}), " +
                "and may have missed its revocation; try again shortly (or use a token from the silos' settings)");
        }

        return new(found);
    }

    /// <summary>The tokens of this silo's settings, as in force now.</summary>
    public IEnumerable<AccessPrincipal> Configured => table.Principals;

    /// <summary>
    /// The tokens this silo takes now, without waiting on anyone: its settings' ("settings") and the issued ones as its
    /// copy last heard them ("issued"), which is asked to catch up for the next reading when it is older than its max age.
    /// For gauges, such as how long each has until it expires.
    /// </summary>
    public IEnumerable<(AccessPrincipal Token, string Source)> InForce()
    {
        _ = issued.GetOrLast(() => new AccessTokenTable(IssuedTokenList.Empty), Unread);
        return table.Principals.Select(p => (p, "settings")).Concat((issuedKnown?.Principals ?? []).Select(p => (p, "issued")));
    }

    public void Dispose() => watch.Dispose();

    /// <summary>Whether the issued tokens were last read longer ago than <see cref="AccessOptions.IssuedTokensMaxStale"/>.</summary>
    private bool TooStale(out TimeSpan age)
    {
        age = issued.SinceHeard ?? TimeSpan.Zero;
        return maxStale > TimeSpan.Zero && age > maxStale;
    }

    private void Unread(Exception ex, bool last) =>
        logger.LogWarning(ex, "The issued access tokens could not be read: using {Source}", last ? "the last copy" : "none of them");

    private AccessOptions Read()
    {
        var options = new AccessOptions();
        configuration.GetSection(AccessOptions.Section).Bind(options);
        return options;
    }

    private void Reload()
    {
        var options = Read();
        if (TableOf(options, out var failures) is not { } read)
        {
            logger.LogError("The access settings changed and break a rule; the tokens in force stay: {Failures}", failures);
            return;
        }

        table = read;
        maxStale = options.IssuedTokensMaxStale;
        logger.LogInformation("Access tokens read again: {Count} in force", options.Tokens.Count);
    }

    private static AccessTokenTable? TableOf(AccessOptions options, out string failures)
    {
        var check = new AccessOptionsValidator().Validate(null, options);
        failures = check.Failed ? string.Join("; ", check.Failures!) : "";
        return check.Failed ? null : new AccessTokenTable(options.Tokens);
    }
}
