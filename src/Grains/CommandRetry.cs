using Orion.Contracts;

namespace Orion.Grains;

/// <summary>
/// When a card sends its daemon again the commands it did not acknowledge: soon after a first failure (an observer that
/// timed out once), then less and less often while the daemon keeps failing, until its node's lease takes it away.
/// </summary>
public static class CommandRetry
{
    /// <summary>The wait after a first failed pass.</summary>
    public static TimeSpan First { get; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between passes.</summary>
    public static TimeSpan Longest { get; } = TimeSpan.FromSeconds(30);

    /// <summary>The wait after <paramref name="failedPasses"/> failed passes in a row: doubling from <see cref="First"/>, at most <see cref="Longest"/>.</summary>
    public static TimeSpan After(int failedPasses) => DoublingBackoff.After(First, Longest, Math.Max(1, failedPasses));
}
