namespace Orion.Contracts;

/// <summary>How a <see cref="NodeRequirement"/> reads a node's label.</summary>
public enum NodeRequirementOperator
{
    /// <summary>The label has one of the values.</summary>
    In,

    /// <summary>The label is missing or has none of the values.</summary>
    NotIn,

    /// <summary>The label is there, with any value.</summary>
    Exists,

    /// <summary>The label is missing.</summary>
    DoesNotExist,
}
