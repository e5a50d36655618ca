namespace Orion.Contracts;

/// <summary>
/// Grain references by string key with the grain and interface types resolved once per interface. Orleans'
/// <see cref="IGrainFactory.GetGrain{TGrainInterface}(string, string?)"/> reads the interface's attributes and
/// formats its name on every call, about a tenth of a busy silo's CPU at thousands of submissions a second.
/// </summary>
public static class GrainFactoryExtensions
{
    /// <summary>The reference to the <typeparamref name="T"/> grain with this key (the same reference <c>GetGrain</c> makes).</summary>
    public static T Grain<T>(this IGrainFactory grains, string key)
        where T : IGrainWithStringKey
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        if (TypesOf<T>.Resolved is { } types)
        {
            return (T)grains.GetGrain(GrainId.Create(types.Grain, key), types.Interface);
        }

        // The first call takes Orleans' path; the types it resolved are the same for every key and every silo of the process.
        var reference = grains.GetGrain<T>(key);
        if (reference is GrainReference r)
        {
            TypesOf<T>.Resolved = new ResolvedTypes(r.GrainId.Type, r.InterfaceType);
        }

        return reference;
    }

    private sealed record ResolvedTypes(GrainType Grain, GrainInterfaceType Interface);

    private static class TypesOf<T>
    {
        // A reference, so a reader sees either nothing or both types.
        public static ResolvedTypes? Resolved;
    }
}
