namespace Orion.Silo.Monitoring;

/// <summary>How the silo watches its pool for the page, the API and the metrics.</summary>
public sealed class MonitorOptions
{
    public const string Section = "Orion:Monitor";

    /// <summary>How often the pool is read (cards, tasks, queue, feed).</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How many recent events the page and the API keep.</summary>
    public int Events { get; set; } = 100;
}
