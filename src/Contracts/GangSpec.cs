namespace Orion.Contracts;

/// <summary>
/// The gang a task belongs to: tasks placed all together or not at all, such as the workers of one distributed training
/// job, which cannot start until every worker has its cards. Members share the name, the size and the tenant.
/// </summary>
/// <param name="Name">The gang's name within its tenant (1 to 128 characters of letters, digits, '-', '_' or '.').</param>
/// <param name="Size">
/// How many members the gang has (2..<see cref="MaxSize"/>): none is placed until that many are queued in one data centre
/// and all fit at once.
/// </param>
[GenerateSerializer, Alias("orion.GangSpec"), Immutable]
public sealed record GangSpec(
    [property: Id(0)] string Name,
    [property: Id(1)] int Size)
{
    /// <summary>The most members one gang may have.</summary>
    public const int MaxSize = 256;
}
