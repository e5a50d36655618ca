namespace Orion.Grains;

/// <summary>
/// The task catalogue's persisted state: the ids of the tasks it last knew live (not ended), so a catalogue activated
/// afresh after its silo died asks those grains again instead of waiting for each task's next change.
/// </summary>
[GenerateSerializer, Alias("orion.TaskCatalogCheckpoint")]
public sealed class TaskCatalogCheckpoint
{
    [Id(0)]
    public List<string> Live { get; set; } = [];
}
