namespace Orion.Contracts;

/// <summary>A task's priority: its class first, then a level within the class (higher runs first).</summary>
/// <param name="Class">The priority class.</param>
/// <param name="Level">The level within the class, 0..1000.</param>
[GenerateSerializer, Alias("orion.TaskPriority"), Immutable]
public sealed record TaskPriority(
    [property: Id(0)] PriorityClass Class,
    [property: Id(1)] int Level = 0) : IComparable<TaskPriority>
{
    /// <summary>The highest level allowed within a class.</summary>
    public const int MaxLevel = 1000;

    /// <summary>One number that orders priorities: class first, then level.</summary>
    public int Rank => ((int)Class * (MaxLevel + 1)) + Level;

    /// <inheritdoc />
    public int CompareTo(TaskPriority? other) => other is null ? 1 : Rank.CompareTo(other.Rank);

    /// <inheritdoc />
    public override string ToString() => Level == 0 ? Class.ToString() : $"{Class}/{Level}";
}
