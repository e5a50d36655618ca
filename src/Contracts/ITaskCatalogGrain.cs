using System.Collections.Immutable;
using Orleans.Concurrency;

namespace Orion.Contracts;

/// <summary>A read model of every task's latest status, pushed by the task grains. Key: <see cref="GrainKeys.Pool"/>.</summary>
[Alias("orion.ITaskCatalogGrain")]
public interface ITaskCatalogGrain : IGrainWithStringKey
{
    /// <summary>A task grain pushes its newer status.</summary>
    [Access(Callers.None)]
    [Alias("Publish"), OneWay]
    Task Publish(VGpuTaskStatus status);

    /// <summary>An ended task the pool forgot (<c>Orion:Pool:EndedTaskRetention</c>): no longer listed.</summary>
    [Access(Callers.None)]
    [Alias("Forget"), OneWay]
    Task Forget(string taskId);

    /// <summary>Tasks matching the query, newest first.</summary>
    [Access(Callers.Anyone)]
    [Alias("List"), ReadOnly]
    Task<ImmutableArray<VGpuTaskStatus>> List(TaskQuery query);
}
