using Microsoft.Extensions.Options;
using Orion.Contracts;

namespace Orion.Grains.Notifications;

/// <summary>The rules the notification settings keep, checked when the silo starts (each error names its setting).</summary>
public sealed class NotifyOptionsValidator : IValidateOptions<NotifyOptions>
{
    public ValidateOptionsResult Validate(string? name, NotifyOptions options)
    {
        var errors = new List<string>();
        for (var i = 0; i < options.AllowedHosts.Count; i++)
        {
            var host = options.AllowedHosts[i].Trim();
            var bare = host.StartsWith("*.", StringComparison.Ordinal) ? host[2..] : host;
            if (bare.Length == 0 || Uri.CheckHostName(bare) == UriHostNameType.Unknown)
            {
                errors.Add($"{NotifyOptions.Section}:AllowedHosts:{i} must be a host name or address, or *. and a domain, not '{options.AllowedHosts[i]}'");
            }
        }

        if (options.Timeout <= TimeSpan.Zero || options.Timeout > TimeSpan.FromMinutes(5))
        {
            errors.Add($"{NotifyOptions.Section}:Timeout must be more than 0 and at most 00:05:00, not '{options.Timeout}'");
        }

        if (options.Attempts is < 1 or > 10)
        {
            errors.Add($"{NotifyOptions.Section}:Attempts must be 1 to 10, not '{options.Attempts}'");
        }

        if (options.RetryFor < TimeSpan.Zero || options.RetryFor > TimeSpan.FromDays(7))
        {
            errors.Add($"{NotifyOptions.Section}:RetryFor must be 0 (no retry after the first attempts) to 7.00:00:00, not '{options.RetryFor}'");
        }

        if (options.SigningKey is { } key && key.Length < 32)
        {
            errors.Add($"{NotifyOptions.Section}:SigningKey must be at least 32 characters, not {key.Length}");
        }

        if (options.PreviousSigningKey is { } previous
            && (previous.Length < 32 || options.SigningKey is null || previous == options.SigningKey))
        {
            errors.Add($"{NotifyOptions.Section}:PreviousSigningKey must be at least 32 characters, beside a SigningKey, and not the same key");
        }

        if (options.EventsUrl is { } events)
        {
            if (!Uri.TryCreate(events, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
            {
                errors.Add($"{NotifyOptions.Section}:EventsUrl must be an absolute http or https URL");
            }
            else if (NotifyRule.Refusal(events, options.AllowedHosts) is { } refusal)
            {
                errors.Add($"{NotifyOptions.Section}:EventsUrl {refusal}");
            }
        }

        for (var i = 0; i < options.EventKinds.Count; i++)
        {
            if (!PoolEventKinds.All.Contains(options.EventKinds[i]))
            {
                errors.Add($"{NotifyOptions.Section}:EventKinds:{i} must be one of {string.Join(", ", PoolEventKinds.All)}, not '{options.EventKinds[i]}'");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
