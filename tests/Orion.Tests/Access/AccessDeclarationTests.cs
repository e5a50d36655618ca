using System.Reflection;
using Orion.Contracts;

namespace Orion.Tests.Access;

public sealed class AccessDeclarationTests
{
    [Fact]
    public void Every_method_of_every_grain_interface_says_who_may_call_it()
    {
        var interfaces = typeof(IVGpuTaskGrain).Assembly.GetTypes()
            .Where(t => t.IsInterface && typeof(IGrain).IsAssignableFrom(t) && !typeof(IGrainObserver).IsAssignableFrom(t))
            .ToList();
        Assert.True(interfaces.Count >= 13, string.Join(", ", interfaces.Select(i => i.Name)));

        var undeclared = interfaces
            .SelectMany(i => i.GetMethods().Select(m => (i, m)))
            .Where(x => x.m.GetCustomAttribute<AccessAttribute>() is null)
            .Select(x => $"{x.i.Name}.{x.m.Name}")
            .ToList();
        Assert.Empty(undeclared);
    }

    [Fact]
    public void Reports_and_ticks_between_grains_are_closed_to_every_client()
    {
        Callers Of(Type type, string method) => type.GetMethod(method)!.GetCustomAttribute<AccessAttribute>()!.Callers;

        Assert.Equal(Callers.None, Of(typeof(IVGpuTaskGrain), nameof(IVGpuTaskGrain.OnPlaced)));
        Assert.Equal(Callers.None, Of(typeof(INodeGrain), nameof(INodeGrain.Reserve)));
        Assert.Equal(Callers.None, Of(typeof(ITenantGrain), nameof(ITenantGrain.Admit)));
        Assert.Equal(Callers.Node, Of(typeof(IVGpuTaskGrain), nameof(IVGpuTaskGrain.OnExited)));
        Assert.Equal(Callers.Owner, Of(typeof(IVGpuTaskGrain), nameof(IVGpuTaskGrain.Cancel)));
        Assert.Equal(Callers.Admin, Of(typeof(IPoolSettingsGrain), nameof(IPoolSettingsGrain.Update)));
    }
}
