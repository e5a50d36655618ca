using Orleans.Storage;

namespace Orion.Tests.Cluster;

/// <summary>
/// Wraps a test pool's task storage so that writes of chosen grains (by key) fail, as with the storage server down; reads
/// still work, so a reactivated grain sees what was last written. It counts the reads of each grain (an activation reads
/// its state once, so a new read is a new activation), and keeps each task status a grain set out to write.
/// </summary>
public sealed class FlakyGrainStorage
{
    private volatile string? failingKey;
    private int failedWrites;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> reads = new(StringComparer.Ordinal);
    private readonly System.Collections.Concurrent.ConcurrentQueue<(string Key, Orion.Contracts.VGpuTaskStatus Status)> written = new();

    /// <summary>Writes that failed so far.</summary>
    public int FailedWrites => Volatile.Read(ref failedWrites);

    /// <summary>Fails every write of the grain keyed <paramref name="key"/> until <see cref="Heal"/>.</summary>
    public void FailWrites(string key) => failingKey = key;

    public void Heal() => failingKey = null;

    /// <summary>State reads of the grain keyed <paramref name="key"/> so far.</summary>
    public int Reads(string key) => reads.GetValueOrDefault(key);

    /// <summary>The task statuses the grain keyed <paramref name="key"/> set out to write, in order (a write that then failed too).</summary>
    public IReadOnlyList<Orion.Contracts.VGpuTaskStatus> Written(string key) => [.. written.Where(w => w.Key == key).Select(w => w.Status)];

    internal IGrainStorage Wrap(IGrainStorage inner) => new Wrapper(this, inner);

    private sealed class Wrapper(FlakyGrainStorage faults, IGrainStorage inner) : IGrainStorage
    {
        public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            faults.reads.AddOrUpdate(grainId.Key.ToString()!, 1, (_, n) => n + 1);
            return inner.ReadStateAsync(stateName, grainId, grainState);
        }

        public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            if (grainState.State is Orion.Grains.VGpuTaskRecord { Status: { } status })
            {
                faults.written.Enqueue((grainId.Key.ToString()!, status));
            }

            if (faults.failingKey is { } key && grainId.Key.ToString() == key)
            {
                Interlocked.Increment(ref faults.failedWrites);
                throw new IOException($"storage down: write of {grainId} refused");
            }

            return inner.WriteStateAsync(stateName, grainId, grainState);
        }

        public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
            inner.ClearStateAsync(stateName, grainId, grainState);
    }
}
