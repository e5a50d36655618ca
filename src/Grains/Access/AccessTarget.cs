namespace Orion.Grains.Access;

/// <summary>Whose the thing a call acts on is: the tenant that owns it and the node it is on; null where none is known yet.</summary>
public readonly record struct AccessTarget(string? Tenant, string? Node)
{
    /// <summary>What the call acts on is no tenant's (an admin's or a node's token, the pool's settings): only an admin may.</summary>
    public const string NoTenant = "";
}
