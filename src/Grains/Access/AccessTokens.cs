using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;

namespace Orion.Grains.Access;

/// <summary>
/// The tokens a silo takes now: read again whenever its settings change (a watched settings file, a mounted secret),
/// so a token is added or revoked without a restart. Settings that break a rule leave the last good tokens in force.
/// </summary>
public sealed class AccessTokens : IDisposable
{
    private readonly IConfiguration configuration;
    private readonly ILogger<AccessTokens> logger;
    private readonly IDisposable watch;
    private volatile AccessTokenTable table;

    public AccessTokens(IConfiguration configuration, ILogger<AccessTokens> logger)
    {
        this.configuration = configuration;
        this.logger = logger;

        // Broken settings stop the silo as it starts (each error naming its setting); until then none is taken.
        table = TableOf(Read(), out _) ?? new AccessTokenTable([]);
        watch = ChangeToken.OnChange(configuration.GetReloadToken, Reload);
    }

    /// <summary>Who the token is; null for none or one the pool does not take.</summary>
    public AccessPrincipal? Resolve(string? token) => table.Resolve(token);

    public void Dispose() => watch.Dispose();

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
        logger.LogInformation("Access tokens read again: {Count} in force", options.Tokens.Count);
    }

    private static AccessTokenTable? TableOf(AccessOptions options, out string failures)
    {
        var check = new AccessOptionsValidator().Validate(null, options);
        failures = check.Failed ? string.Join("; ", check.Failures!) : "";
        return check.Failed ? null : new AccessTokenTable(options.Tokens);
    }
}
