namespace Orion.Contracts;

/// <summary>A piece of a task's log as its node keeps it: the text from <paramref name="Offset"/> to <paramref name="Next"/>.</summary>
/// <param name="Text">The log's bytes from <paramref name="Offset"/>, as UTF-8 text.</param>
/// <param name="Offset">Where the text starts, in bytes from the log's start.</param>
/// <param name="Next">Where the text ends: the offset to read on from.</param>
/// <param name="Size">The log's size now, in bytes.</param>
[GenerateSerializer, Alias("orion.TaskLogChunk"), Immutable]
public sealed record TaskLogChunk(
    [property: Id(0)] string Text,
    [property: Id(1)] long Offset,
    [property: Id(2)] long Next,
    [property: Id(3)] long Size)
{
    /// <summary>The most one read returns.</summary>
    public const int MaxBytes = 1 << 20;
}
