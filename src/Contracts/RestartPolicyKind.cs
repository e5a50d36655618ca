namespace Orion.Contracts;

/// <summary>What happens to a task whose run fails or whose node is lost.</summary>
[GenerateSerializer, Alias("orion.RestartPolicyKind")]
public enum RestartPolicyKind
{
    /// <summary>The task fails.</summary>
    Never = 0,

    /// <summary>The task is queued again, up to a number of attempts.</summary>
    OnFailure = 1,
}
