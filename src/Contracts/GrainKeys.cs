namespace Orion.Contracts;

/// <summary>How grain keys are formed, so every caller forms them the same way.</summary>
public static class GrainKeys
{
    /// <summary>The key of the pool-wide grains: the node directory, the task catalogue, the event feed.</summary>
    public const string Pool = "pool";

    /// <summary>
    /// A data centre's scheduler: the data centre's name itself. No scheduler is keyed <see cref="Pool"/>: the pool-wide
    /// view of the schedulers is <c>IPoolGrain.GetSchedulerSnapshot</c>, so the two never mix.
    /// </summary>
    public static string Scheduler(string dataCenter) => dataCenter;

    /// <summary>The data centre a key names: the part before the first <c>/</c> (<c>dc/node</c>, <c>dc/node/i</c>), or the whole key (a scheduler).</summary>
    public static string DataCenterOf(string key)
    {
        var slash = key.IndexOf('/');
        return slash < 0 ? key : key[..slash];
    }

    /// <summary>A node's id: <c>dc/node</c>.</summary>
    public static string Node(string dataCenter, string nodeName) => $"{dataCenter}/{nodeName}";

    /// <summary>Whether <paramref name="id"/> has a node id's shape: a valid data centre, a slash, a name.</summary>
    public static bool IsNodeId(string id) => id.Split('/') is [var dataCenter, { Length: > 0 }] && DataCenterName.IsValid(dataCenter);

    /// <summary>A card's id: <c>dc/node/index</c>.</summary>
    public static string Gpu(string nodeId, int index) => $"{nodeId}/{index}";

    /// <summary>The node id a card id belongs to.</summary>
    public static string NodeOfGpu(string gpuId) => gpuId[..gpuId.LastIndexOf('/')];
}
