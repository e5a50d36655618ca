namespace Orion.NodeDaemon;

/// <summary>A backend could not do what it was told (unknown card, not enough memory).</summary>
public sealed class BackendException(string message) : Exception(message);
