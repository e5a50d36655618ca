using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace Orion.Silo;

/// <summary>
/// Grain state of a lone silo (the embedded default) in the silo's own memory. Orleans' memory storage keeps state in
/// storage grains, which a stopping silo deactivates alongside the grains still writing to them: every stop then logged
/// their failed placement as errors. Here a write is a copy into a dictionary, through the same serializer, so a grain
/// that changes its state after writing it changes nothing stored; ETags are checked as in any storage.
/// </summary>
public sealed class SiloMemoryGrainStorage(IGrainStorageSerializer serializer, IActivatorProvider activators) : IGrainStorage
{
    private readonly Dictionary<(string State, GrainId Grain), (BinaryData Data, string ETag)> records = [];
    private readonly Lock gate = new();
    private long version;

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        (BinaryData Data, string ETag) record;
        bool found;
        lock (gate)
        {
            found = records.TryGetValue((stateName, grainId), out record);
        }

        grainState.State = found ? serializer.Deserialize<T>(record.Data) : activators.GetActivator<T>().Create();
        grainState.ETag = found ? record.ETag : null;
        grainState.RecordExists = found;
        return Task.CompletedTask;
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var data = serializer.Serialize(grainState.State);
        lock (gate)
        {
            Check(stateName, grainId, grainState.ETag);
            var etag = (++version).ToString(System.Globalization.CultureInfo.InvariantCulture);
            records[(stateName, grainId)] = (data, etag);
            grainState.ETag = etag;
        }

        grainState.RecordExists = true;
        return Task.CompletedTask;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        lock (gate)
        {
            Check(stateName, grainId, grainState.ETag);
            records.Remove((stateName, grainId));
        }

        grainState.ETag = null;
        grainState.RecordExists = false;
        grainState.State = activators.GetActivator<T>().Create();
        return Task.CompletedTask;
    }

    // A writer whose copy is not the stored one (another activation wrote since) is refused, as Redis storage refuses it.
    private void Check(string stateName, GrainId grainId, string? etag)
    {
        var stored = records.TryGetValue((stateName, grainId), out var record) ? record.ETag : null;
        if (!string.Equals(stored, etag, StringComparison.Ordinal))
        {
            throw new InconsistentStateException($"{stateName} of {grainId} was written since it was read (ETag {etag ?? "none"}, stored {stored ?? "none"})", stored, etag);
        }
    }
}
