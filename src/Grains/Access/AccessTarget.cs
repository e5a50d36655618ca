namespace Orion.Grains.Access;

/// <summary>Whose the thing a call acts on is: the tenant that owns it and the node it is on; null where none is known yet.</summary>
public readonly record struct AccessTarget(string? Tenant, string? Node);
