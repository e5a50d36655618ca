namespace Orion.Tests.Integration;

/// <summary>The tests that share one <see cref="LiveSilo"/>; they run one after another, beside the other collections.</summary>
[CollectionDefinition(Name)]
public sealed class LiveSiloCollection : ICollectionFixture<LiveSilo>
{
    public const string Name = "live silo";
}
