using Orleans.Serialization.Invocation;

namespace Orion.Grains.Access;

/// <summary>A grain a tenant's or a node's token may act on: it says whose the thing a call acts on is.</summary>
public interface IAccessTarget
{
    /// <summary>Whose the thing <paramref name="request"/> acts on is, read in the grain's turn before the call runs.</summary>
    AccessTarget TargetOf(IInvokable request);
}
