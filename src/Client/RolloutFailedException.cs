namespace Orion.Client;

/// <summary>
/// Thrown when a deployment's rollout did not finish: its replicas keep failing, it is paused, it passed its progress
/// deadline, the deployment rolled it back by itself, or the wait ran out.
/// Nothing is undone: the deployment goes on as it was (roll it back with <see cref="OrionClient.RollBackAsync"/>).
/// </summary>
public sealed class RolloutFailedException : Exception
{
    /// <summary>Creates the exception for <paramref name="progress"/>, the rollout as last read, and why it failed.</summary>
    public RolloutFailedException(RolloutProgress progress, string reason)
        : base($"deployment {progress?.Status.Name}: {reason} ({progress?.Text})")
    {
        ArgumentNullException.ThrowIfNull(progress);
        Progress = progress;
    }

    /// <summary>The rollout as last read.</summary>
    public RolloutProgress Progress { get; }
}
