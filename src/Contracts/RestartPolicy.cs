namespace Orion.Contracts;

/// <summary>Whether a task whose run fails or whose node is lost is queued again, and how often.</summary>
/// <param name="Kind">Never, or OnFailure.</param>
/// <param name="MaxAttempts">With OnFailure: how many restarts at most (1..100).</param>
[GenerateSerializer, Alias("orion.RestartPolicy"), Immutable]
public sealed record RestartPolicy(
    [property: Id(0)] RestartPolicyKind Kind,
    [property: Id(1)] int MaxAttempts = 0)
{
    /// <summary>Never restart.</summary>
    public static RestartPolicy Never { get; } = new(RestartPolicyKind.Never);

    /// <summary>Restart up to <paramref name="maxAttempts"/> times.</summary>
    public static RestartPolicy OnFailure(int maxAttempts) => new(RestartPolicyKind.OnFailure, maxAttempts);
}
