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

    /// <summary>How many times a POST is tried (1 s, 2 s, 4 s … apart) before it is given up and logged.</summary>
    public int Attempts { get; set; } = 3;
}
