using Orion.Contracts;

namespace Orion.Grains.Notifications;

/// <summary>Where the pool may POST ended tasks' statuses (configuration section <c>Orion:Notify</c>); nowhere by default.</summary>
public sealed class NotifyOptions
{
    public const string Section = "Orion:Notify";

    /// <summary>
    /// The hosts a task's notify URL may name: <c>hooks.slack.com</c> exactly, or <c>*.example.com</c> for its
    /// subdomains. Empty: the pool sends none, and a spec that asks is refused (a silo must not be made to call
    /// whatever its network reaches).
    /// </summary>
    public List<string> AllowedHosts { get; } = [];

    /// <summary>How long one POST may take.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// A secret (at least 32 characters) with which each POST is signed: <c>X-Orion-Signature: sha256=</c> and the hex
    /// HMAC-SHA256 of <c>X-Orion-Timestamp</c>, a dot and the body, so a receiver can tell the pool sent it, and when.
    /// Unset: not signed.
    /// </summary>
    public string? SigningKey { get; set; }

    /// <summary>
    /// The key being rotated out: while set, each POST carries a signature with it too, after the one with
    /// <see cref="SigningKey"/>, so receivers move to the new key one by one without refusing a POST meanwhile.
    /// </summary>
    public string? PreviousSigningKey { get; set; }

    /// <summary>How many times a POST is tried (1 s, 2 s, 4 s … apart) before it is given up and logged.</summary>
    public int Attempts { get; set; } = 3;

    /// <summary>
    /// How long after a task ends its notification is tried again (once a minute, each time with <see cref="Attempts"/>
    /// tries) while the receiver does not take it, also across silo restarts; then given up and logged.
    /// </summary>
    public TimeSpan RetryFor { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// A URL the pool's events of <see cref="EventKinds"/> are POSTed to as they happen (a JSON array of events, in order),
    /// signed as task notifications are: an on-call channel hears of a broken card or a cordon without watching the feed.
    /// Its host must be one of <see cref="AllowedHosts"/>. Unset: none sent.
    /// </summary>
    public string? EventsUrl { get; set; }

    /// <summary>The kinds of event sent to <see cref="EventsUrl"/> (<see cref="PoolEventKinds"/>); empty: <see cref="PoolEventKinds.Operations"/>.</summary>
    public List<string> EventKinds { get; } = [];
}
