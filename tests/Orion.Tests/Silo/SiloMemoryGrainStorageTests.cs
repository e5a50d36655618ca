using Microsoft.Extensions.DependencyInjection;
using Orion.Grains;
using Orion.Silo;
using Orleans.Serialization;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace Orion.Tests.Silo;

/// <summary>The lone silo's grain state in its own memory: copies, ETags and clearing as any storage keeps them.</summary>
public sealed class SiloMemoryGrainStorageTests
{
    private static readonly GrainId Catalogue = GrainId.Create("taskcatalog", "pool");

    private static SiloMemoryGrainStorage NewStorage()
    {
        var services = new ServiceCollection().AddSerializer().BuildServiceProvider();
        return new SiloMemoryGrainStorage(new OrleansGrainStorageSerializer(services.GetRequiredService<Serializer>()), services.GetRequiredService<IActivatorProvider>());
    }

    private static GrainState<TaskCatalogCheckpoint> Live(params string[] ids) => new(new TaskCatalogCheckpoint { Live = [.. ids] });

    // The catalogue's state written, and another copy of it whose ETag is not the stored one.
    private static async Task<(GrainState<TaskCatalogCheckpoint> Written, GrainState<TaskCatalogCheckpoint> Stale)> WrittenAsync(SiloMemoryGrainStorage storage, string id, string staleId)
    {
        var written = Live(id);
        await storage.WriteStateAsync("catalogue", Catalogue, written);
        var stale = Live(staleId);
        stale.ETag = "stale";
        return (written, stale);
    }

    [Fact]
    public async Task A_state_never_written_reads_as_a_new_one_with_no_record()
    {
        var read = new GrainState<TaskCatalogCheckpoint>(new TaskCatalogCheckpoint { Live = ["stale"] }) { ETag = "1", RecordExists = true };
        await NewStorage().ReadStateAsync("catalogue", Catalogue, read);
        Assert.Empty(read.State!.Live);
        Assert.Null(read.ETag);
        Assert.False(read.RecordExists);
    }

    [Fact]
    public async Task A_written_state_reads_back_as_a_copy_that_later_changes_to_the_writer_do_not_reach()
    {
        var storage = NewStorage();
        var written = Live("t1", "t2");
        await storage.WriteStateAsync("catalogue", Catalogue, written);
        written.State!.Live.Add("t3");

        var read = new GrainState<TaskCatalogCheckpoint>();
        await storage.ReadStateAsync("catalogue", Catalogue, read);
        Assert.Equal(["t1", "t2"], read.State!.Live);
        Assert.True(read.RecordExists);
        Assert.Equal(written.ETag, read.ETag);
        Assert.NotSame(written.State, read.State);

        // Another state of the same grain, or the same state of another grain, is another record.
        var other = new GrainState<TaskCatalogCheckpoint>();
        await storage.ReadStateAsync("checkpoint", Catalogue, other);
        Assert.False(other.RecordExists);
        await storage.ReadStateAsync("catalogue", GrainId.Create("taskcatalog", "dc2"), other);
        Assert.False(other.RecordExists);
    }

    [Fact]
    public async Task A_write_from_a_stale_copy_is_refused_and_changes_nothing()
    {
        var storage = NewStorage();
        var (first, stale) = await WrittenAsync(storage, "t1", "t9");

        var refused = await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("catalogue", Catalogue, stale));
        Assert.Contains("catalogue", refused.Message);

        // A first write over a record that exists (no ETag) is refused too.
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("catalogue", Catalogue, Live("t8")));

        var read = new GrainState<TaskCatalogCheckpoint>();
        await storage.ReadStateAsync("catalogue", Catalogue, read);
        Assert.Equal(["t1"], read.State!.Live);

        // The current copy writes on, each write with a new ETag.
        var before = first.ETag;
        first.State!.Live.Add("t2");
        await storage.WriteStateAsync("catalogue", Catalogue, first);
        Assert.NotEqual(before, first.ETag);
        await storage.ReadStateAsync("catalogue", Catalogue, read);
        Assert.Equal(["t1", "t2"], read.State!.Live);
    }

    [Fact]
    public async Task A_cleared_state_reads_as_new_and_takes_a_first_write_again()
    {
        var storage = NewStorage();
        var (state, stale) = await WrittenAsync(storage, "t1", "t1");
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearStateAsync("catalogue", Catalogue, stale));

        await storage.ClearStateAsync("catalogue", Catalogue, state);
        Assert.Null(state.ETag);
        Assert.False(state.RecordExists);
        Assert.Empty(state.State!.Live);

        var read = new GrainState<TaskCatalogCheckpoint>();
        await storage.ReadStateAsync("catalogue", Catalogue, read);
        Assert.False(read.RecordExists);

        await storage.WriteStateAsync("catalogue", Catalogue, Live("t5"));
        await storage.ReadStateAsync("catalogue", Catalogue, read);
        Assert.Equal(["t5"], read.State!.Live);
    }
}
