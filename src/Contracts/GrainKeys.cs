namespace Orion.Contracts;

/// <summary>How grain keys are formed, so every caller forms them the same way.</summary>
public static class GrainKeys
{
    /// <summary>The key of the pool-wide scheduler and task catalogue.</summary>
    public const string Pool = "pool";

    /// <summary>A node's id: <c>dc/node</c>.</summary>
    public static string Node(string dataCenter, string nodeName) => $"{dataCenter}/{nodeName}";

    /// <summary>A card's id: <c>dc/node/index</c>.</summary>
    public static string Gpu(string nodeId, int index) => $"{nodeId}/{index}";

    /// <summary>The node id a card id belongs to.</summary>
    public static string NodeOfGpu(string gpuId) => gpuId[..gpuId.LastIndexOf('/')];
}
