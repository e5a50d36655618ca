namespace Orion.Grains.Notifications;

/// <summary>Whether a task's notify URL names a host the pool may POST to.</summary>
public static class NotifyRule
{
    /// <summary>Null when the pool may POST to <paramref name="url"/>; otherwise why not.</summary>
    public static string? Refusal(string url, IReadOnlyCollection<string> allowedHosts)
    {
        if (allowedHosts.Count == 0)
        {
            return "must be null: this pool sends no notifications (Orion:Notify:AllowedHosts is empty)";
        }

        var host = new Uri(url).IdnHost;
        return allowedHosts.Any(allowed => Matches(host, allowed.Trim()))
            ? null
            : $"must name a host this pool may notify ({string.Join(", ", allowedHosts)}), not '{host}'";
    }

    private static bool Matches(string host, string allowed) =>
        allowed.StartsWith("*.", StringComparison.Ordinal)
            ? host.EndsWith(allowed[1..], StringComparison.OrdinalIgnoreCase) && host.Length > allowed.Length - 1
            : string.Equals(host, allowed, StringComparison.OrdinalIgnoreCase);
}
