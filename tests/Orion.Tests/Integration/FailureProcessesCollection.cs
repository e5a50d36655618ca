namespace Orion.Tests.Integration;

/// <summary>
/// Tests that kill and restart real processes (silos, daemons, redis-server) and time their recovery run alone,
/// after the parallel ones: on two cores, a dozen other tests' load would stretch failure detection past any
/// sensible patience.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FailureProcessesCollection
{
    public const string Name = "failure processes";
}
