using Orion.Contracts;

namespace Orion.Grains;

/// <summary>The pool settings grain's persisted state: the settings as last changed live; null until the first change.</summary>
[GenerateSerializer, Alias("orion.PoolSettingsRecord")]
public sealed class PoolSettingsRecord
{
    [Id(0)]
    public PoolSettings? Settings { get; set; }
}
