namespace Orion.Contracts;

/// <summary>Whether a task whose run fails or whose node is lost is queued again, how often, and how soon.</summary>
/// <param name="Kind">Never, or OnFailure.</param>
/// <param name="MaxAttempts">With OnFailure: how many restarts at most (1..100).</param>
/// <param name="Backoff">
/// With OnFailure: how long the first restart waits before it is queued, doubled for each one after, up to
/// <see cref="MaxBackoff"/> (a run that fails at once is not started again and again); null or zero = queued at once.
/// </param>
[GenerateSerializer, Alias("orion.RestartPolicy"), Immutable]
public sealed record RestartPolicy(
    [property: Id(0)] RestartPolicyKind Kind,
    [property: Id(1)] int MaxAttempts = 0,
    [property: Id(2)] TimeSpan? Backoff = null)
{
    /// <summary>The longest a restart waits, however many came before it.</summary>
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromMinutes(5);

    /// <summary>Never restart.</summary>
    public static RestartPolicy Never { get; } = new(RestartPolicyKind.Never);

    /// <summary>Restart up to <paramref name="maxAttempts"/> times, each waiting <paramref name="backoff"/> doubled per restart before (none: at once).</summary>
    public static RestartPolicy OnFailure(int maxAttempts, TimeSpan? backoff = null) => new(RestartPolicyKind.OnFailure, maxAttempts, backoff);

    /// <summary>How long the <paramref name="restart"/>-th restart (1 = the first) waits before it is queued.</summary>
    public TimeSpan DelayBefore(int restart)
    {
        return Backoff is { } first ? DoublingBackoff.After(first, MaxBackoff, restart) : TimeSpan.Zero;
    }
}
