namespace Orion.Contracts;

/// <summary>
/// Says who outside the cluster may call a grain method when the pool requires access tokens. Every method of Orion's
/// grain interfaces carries one; a method without it is refused to clients.
/// </summary>
/// <param name="callers">The callers allowed besides admins (<see cref="Callers.None"/>: no client at all).</param>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class AccessAttribute(Callers callers) : Attribute
{
    /// <summary>The callers allowed besides admins.</summary>
    public Callers Callers { get; } = callers;
}
