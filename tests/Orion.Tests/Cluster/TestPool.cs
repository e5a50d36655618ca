using System.Security.Cryptography.X509Certificates;
using System.Collections.Concurrent;
using System.Collections.Immutable;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orion.Client;
using Orion.Contracts;
using Orion.NodeDaemon;
using Orion.NodeDaemon.Simulated;
using Orion.Silo;
using Orleans.TestingHost;

namespace Orion.Tests.Cluster;

/// <summary>
/// A real in-process Orleans cluster with Orion's grains and embedded daemons whose simulated GPUs run on a
/// fake clock the test advances. Each test gets its own pool.
/// </summary>
public sealed class TestPool : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    // Data centres of the silos being added (StartSiloAsync), taken in order as each is configured.
    private readonly ConcurrentQueue<string> addedSilos;

    private int disposed;

    private TestPool(InProcessTestCluster cluster, FakeTimeProvider clock, IReadOnlyList<EmbeddedNodeOptions> nodes, ConcurrentQueue<string> addedSilos, IConfigurationRoot configuration)
    {
        Configuration = configuration;
        Cluster = cluster;
        Clock = clock;
        Nodes = nodes;
        this.addedSilos = addedSilos;
        Client = new OrionClient(cluster.Client, TimeSpan.FromSeconds(2), clock);
    }

    public InProcessTestCluster Cluster { get; }

    /// <summary>The first silo's settings: a test changes one and calls <see cref="IConfigurationRoot.Reload"/>, as a watched file would.</summary>
    public IConfigurationRoot Configuration { get; }

    public FakeTimeProvider Clock { get; }

    public OrionClient Client { get; }

    public IReadOnlyList<EmbeddedNodeOptions> Nodes { get; }

    public IGrainFactory Grains => Cluster.Client;

    public static EmbeddedNodeOptions Node(string name, int gpus = 4, string model = "A100-80GB", long cpu = 64_000, long memory = 262_144, string dc = "dc1", long hostSwap = 262_144) =>
        new() { Name = name, GpuCount = gpus, GpuModel = model, CpuMilli = cpu, MemoryMiB = memory, DataCenter = dc, HostSwapMiB = hostSwap };

    public static async Task<TestPool> StartAsync(
        IReadOnlyList<EmbeddedNodeOptions> nodes, string policy = "fragmentation", double oversubscription = 1.0, double memoryOversubscription = 1.0,
        TimeSpan? daemonLease = null, TimeSpan? suspensionFlushDelay = null, GrainCallCounter? calls = null, GrainCallFaults? faults = null,
        GrainCallGate? gate = null, string? siloDataCenter = null, TimeSpan? residenceCheck = null, FlakyGrainStorage? storage = null,
        bool queueRecovery = false, TimeSpan? idleSchedulerCheck = null, TimeSpan? starvationLimit = null, TimeSpan? indexResync = null, TimeSpan? reportTimeout = null, TimeSpan? catalogCheckpoint = null,
        bool evictLowerPriority = false, TimeSpan? settingsMaxAge = null, IReadOnlyDictionary<string, string?>? extraSettings = null, string? clientToken = null,
        X509Certificate2? clientTrust = null, DateTimeOffset? clockStart = null, X509Certificate2? clientCertificate = null)
    {
        var invariant = System.Globalization.CultureInfo.InvariantCulture;
        var settings = new Dictionary<string, string?>
        {
            ["Orion:Pool:Policy"] = policy,
            ["Orion:Pool:ComputeOversubscription"] = oversubscription.ToString(invariant),
            ["Orion:Pool:MemoryOversubscription"] = memoryOversubscription.ToString(invariant),

            // Tests jump the fake clock by hours; a daemon's heartbeat then lands a moment later, so leases are
            // off unless a test is about them.
            ["Orion:Pool:DaemonLease"] = (daemonLease ?? TimeSpan.FromDays(3650)).ToString(),
            ["Orion:Pool:LeaseCheckInterval"] = TimeSpan.FromMilliseconds(100).ToString(),
            ["Orion:Embedded:HeartbeatInterval"] = TimeSpan.FromMilliseconds(500).ToString(),
        };
        if (queueRecovery)
        {
            settings["Orion:Pool:QueueRecovery"] = "true";
        }

        if (evictLowerPriority)
        {
            settings["Orion:Pool:EvictLowerPriority"] = "true";
        }

        if (settingsMaxAge is { } maxAge)
        {
            settings["Orion:Pool:SettingsMaxAge"] = maxAge.ToString();
        }

        if (suspensionFlushDelay is { } flush)
        {
            settings["Orion:Pool:SuspensionFlushDelay"] = flush.ToString();
        }

        // No nodes: no embedded daemons at all (the test brings its own), not the embedded default pool.
        if (nodes.Count == 0)
        {
            settings["Orion:Embedded:Enabled"] = "false";
        }

        if (siloDataCenter is not null)
        {
            settings["Orion:Silo:DataCenter"] = siloDataCenter;
        }

        if (residenceCheck is { } residence)
        {
            settings["Orion:Pool:ResidenceCheckInterval"] = residence.ToString();
        }

        if (idleSchedulerCheck is { } idle)
        {
            settings["Orion:Pool:IdleSchedulerCheckInterval"] = idle.ToString();
        }

        if (catalogCheckpoint is { } checkpoint)
        {
            settings["Orion:Pool:CatalogCheckpointInterval"] = checkpoint.ToString();
        }

        if (reportTimeout is { } report)
        {
            settings["Orion:Embedded:ReportAttemptTimeout"] = report.ToString();
        }

        if (indexResync is { } resync)
        {
            settings["Orion:Pool:IndexResyncInterval"] = resync.ToString();
        }

        if (starvationLimit is { } starvation)
        {
            settings["Orion:Pool:StarvationLimit"] = starvation.ToString();
        }

        foreach (var (key, value) in extraSettings ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        // A silo added later has no daemons of its own.
        var addedSettings = new Dictionary<string, string?>(settings) { ["Orion:Embedded:Enabled"] = "false" };

        for (var i = 0; i < nodes.Count; i++)
        {
            var n = nodes[i];
            var p = $"Orion:Embedded:NodeList:{i}:";
            settings[p + "Name"] = n.Name;
            settings[p + "DataCenter"] = n.DataCenter;
            settings[p + "GpuModel"] = n.GpuModel;
            settings[p + "GpuCount"] = n.GpuCount.ToString();
            settings[p + "CpuMilli"] = n.CpuMilli.ToString();
            settings[p + "MemoryMiB"] = n.MemoryMiB.ToString();
            settings[p + "HostSwapMiB"] = n.HostSwapMiB.ToString();
            settings[p + "LinkDomainSize"] = n.LinkDomainSize.ToString();
            settings[p + "Address"] = n.Address;
            foreach (var (key, value) in n.Labels)
            {
                settings[p + "Labels:" + key] = value;
            }

            foreach (var (key, value) in n.Taints)
            {
                settings[p + "Taints:" + key] = value;
            }
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var clock = new FakeTimeProvider(clockStart ?? new DateTimeOffset(2026, 11, 29, 22, 0, 0, TimeSpan.Zero));
        var addedSilos = new ConcurrentQueue<string>();
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) =>
        {
            var siloSettings = addedSilos.TryDequeue(out var dataCenter)
                ? new ConfigurationBuilder().AddInMemoryCollection(addedSettings).AddInMemoryCollection([new("Orion:Silo:DataCenter", dataCenter)]).Build()
                : configuration;
            silo.AddOrion(siloSettings);
            silo.UseOrionTls(siloSettings);
            silo.Services.AddKeyedSingleton<TimeProvider>(OrionClock.Key, clock);
            if (storage is not null)
            {
                // The task storage Orion registered, wrapped: the test makes its writes fail.
                var original = silo.Services.Single(d => d.ServiceType == typeof(Orleans.Storage.IGrainStorage) && Equals(d.ServiceKey, Orion.Grains.PoolOptions.StorageName));
                silo.Services.Remove(original);
                silo.Services.AddKeyedSingleton<Orleans.Storage.IGrainStorage>(Orion.Grains.PoolOptions.StorageName, (services, key) =>
                    storage.Wrap((Orleans.Storage.IGrainStorage)original.KeyedImplementationFactory!(services, key)));
            }

            if (calls is not null)
            {
                silo.AddIncomingGrainCallFilter(ctx =>
                {
                    calls.Record(ctx.InterfaceMethod, ctx.TargetId);
                    return ctx.Invoke();
                });

                // Calls the grains send, to daemons' observers too: a test sees that a grain is waiting on a daemon's answer.
                silo.AddOutgoingGrainCallFilter(ctx =>
                {
                    calls.RecordSent(ctx.InterfaceMethod);
                    return ctx.Invoke();
                });
            }

            if (faults is not null)
            {
                silo.AddIncomingGrainCallFilter(ctx => faults.Fails(ctx.InterfaceMethod, ctx.TargetId)
                    ? throw new NotSupportedException($"{ctx.InterfaceMethod?.Name} is not served here")
                    : ctx.Invoke());

                // A lost call is never sent: its caller hears nothing until Orleans' response timeout.
                silo.AddOutgoingGrainCallFilter(faults.LoseOrSend);
            }

            if (gate is not null)
            {
                silo.AddIncomingGrainCallFilter(async ctx =>
                {
                    await gate.Pass(ctx.InterfaceMethod);
                    await ctx.Invoke();
                });
            }
        });
        if (faults is not null)
        {
            // Daemons of their own and the SDK call through the cluster's client: their calls can be lost too.
            builder.ConfigureClient(client => client.AddOutgoingGrainCallFilter(faults.LoseOrSend));
        }

        if (clientTrust is not null)
        {
            // The silos speak TLS (Orion:Tls in the settings): the cluster's client trusts this certificate, and presents its own
            // to silos that require one.
            builder.ConfigureClient(client => client.UseTls(tls =>
            {
                tls.LocalCertificate = clientCertificate;
                tls.RemoteCertificateValidation = (remote, _, errors) => CertificateTrust.Accepts(remote, errors, clientTrust);
            }));
        }

        if (clientToken is not null)
        {
            // The client's calls carry the token unless the test sets another (the silo starts without one in its flow).
            builder.ConfigureClient(client => client.AddOutgoingGrainCallFilter(async ctx =>
            {
                if (RequestContext.Get(AccessToken.RequestKey) is null)
                {
                    RequestContext.Set(AccessToken.RequestKey, clientToken);
                }

                await ctx.Invoke();
            }));
        }

        var cluster = builder.Build();
        await cluster.DeployAsync();
        var pool = new TestPool(cluster, clock, nodes, addedSilos, configuration);
        await pool.EventuallyAsync(async () =>
            Assert.Equal(nodes.Count, (await pool.Grains.GetGrain<IPoolGrain>(GrainKeys.Pool).GetSchedulerSnapshot()).Nodes));
        return pool;
    }

    /// <summary>
    /// Starts another silo, of <paramref name="dataCenter"/> and without daemons, and waits until every silo can place grains
    /// on it.
    /// </summary>
    public async Task<SiloAddress> StartSiloAsync(string dataCenter)
    {
        addedSilos.Enqueue(dataCenter);
        var silo = await Cluster.StartAdditionalSiloAsync();
        await Cluster.WaitForClusterManifestToStabilizeAsync();
        return silo.SiloAddress;
    }

    /// <summary>
    /// Starts a daemon of the test's own with simulated A100s on the pool's clock: it calls the grains through the cluster's
    /// client and takes their commands through Orleans, as a remote daemon does. The caller disposes it.
    /// </summary>
    /// <param name="wrap">Puts a test's stand-in in front of the simulated backend.</param>
    public async Task<(GpuNodeDaemon Daemon, SimulatedGpuBackend Backend)> StartOwnDaemonAsync(string nodeName, int gpus = 1, string dataCenter = "dc1", Func<IGpuBackend, IGpuBackend>? wrap = null)
    {
        var options = new NodeDaemonOptions { NodeName = nodeName, DataCenter = dataCenter };
        var backend = new SimulatedGpuBackend(options.NodeId, [.. Enumerable.Repeat(GpuModelCatalog.Get("A100-80GB"), gpus)], Clock, options.HostSwapMiB);
        var daemon = new GpuNodeDaemon(options, wrap?.Invoke(backend) ?? backend, Grains, Microsoft.Extensions.Logging.Abstractions.NullLogger<GpuNodeDaemon>.Instance, Clock);
        await daemon.StartAsync(CancellationToken.None);
        return (daemon, backend);
    }

    /// <summary>The embedded daemon of a node (to stop it, as if its machine died).</summary>
    public GpuNodeDaemon Daemon(string nodeName)
    {
        var daemons = Cluster.GetSiloServiceProvider(Cluster.Silos[0].SiloAddress).GetRequiredService<EmbeddedNodeDaemons>();
        return daemons.Daemons.Single(d => d.NodeId.EndsWith("/" + nodeName, StringComparison.Ordinal));
    }

    /// <summary>The simulated backend of a node, to look at what really runs there.</summary>
    public SimulatedGpuBackend Backend(string nodeName)
    {
        var silo = Cluster.Silos[0];
        var daemons = Cluster.GetSiloServiceProvider(silo.SiloAddress).GetRequiredService<EmbeddedNodeDaemons>();
        return (SimulatedGpuBackend)daemons.Daemons.Single(d => d.NodeId.EndsWith("/" + nodeName, StringComparison.Ordinal)).Backend;
    }

    public Task<VGpuTaskStatus> SubmitAsync(TaskSpec spec, string? id = null) => Client.SubmitAsync(spec, id);

    /// <summary>The names of the reminders a task's grain has registered, in order.</summary>
    public async Task<string[]> RemindersOf(string taskId)
    {
        var table = Cluster.GetSiloServiceProvider(Cluster.Silos[0].SiloAddress).GetRequiredService<Orleans.IReminderTable>();
        var rows = await table.ReadRows(Grains.GetGrain<IVGpuTaskGrain>(taskId).GetGrainId());
        return [.. rows.Reminders.Select(r => r.ReminderName).Order(StringComparer.Ordinal)];
    }

    public async Task<VGpuTaskStatus> WaitForAsync(string taskId, params TaskState[] states)
    {
        using var cts = new CancellationTokenSource(Patience);
        return await Client.WaitForStateAsync(taskId, [.. states], cts.Token);
    }

    public async Task<TaskState> StateOf(string taskId) => (await Client.GetAsync(taskId))!.State;

    /// <summary>Moves the simulated GPUs' clock on.</summary>
    public void Advance(TimeSpan by) => Clock.Advance(by);

    /// <summary>
    /// Moves the clock on in small steps while <paramref name="work"/> runs (it waits on simulated transfers),
    /// and returns its result; fails if it does not finish within <paramref name="limit"/> of simulated time.
    /// </summary>
    public async Task<T> WhileAdvancing<T>(Task<T> work, TimeSpan limit, TimeSpan? step = null)
    {
        var moved = TimeSpan.Zero;
        while (!work.IsCompleted)
        {
            Assert.True(moved <= limit, $"still waiting after {moved} of simulated time");
            await Task.Delay(5);
            if (!work.IsCompleted)
            {
                Advance(step ?? TimeSpan.FromMilliseconds(100));
                moved += step ?? TimeSpan.FromMilliseconds(100);
            }
        }

        return await work;
    }

    /// <summary>
    /// The machine of <paramref name="deadNode"/> dies: its daemon stops, and time moves on past <paramref name="lease"/> in
    /// 100 ms steps the other daemons' heartbeats keep up with (none is ever a lease behind).
    /// </summary>
    public async Task LoseDaemonAsync(string deadNode, TimeSpan lease)
    {
        await Daemon(deadNode).DisposeAsync();
        var lastHeard = Assert.IsType<DateTimeOffset>((await NodeSnapshot(deadNode)).MeasuredAt);
        while (Clock.GetUtcNow() - lastHeard <= lease)
        {
            foreach (var live in Nodes.Select(n => n.Name).Where(n => n != deadNode))
            {
                await UntilHeardAsync(live, lease);
            }

            Advance(TimeSpan.FromMilliseconds(100));
        }
    }

    /// <summary>
    /// Waits until a step of the clock leaves live node <paramref name="node"/> inside its lease: at once while its
    /// daemon was heard within 1.5 s of fake time; else, after a moment of real time, while a step keeps it 0.5 s short of
    /// the lease. Not "heard within 1.5 s" alone: a heartbeat's turn may wait on simulated time (or a daemon arm its next
    /// wait late, after a step overtook its heartbeat), and a clock held still for it would never let it end.
    /// </summary>
    public async Task UntilHeardAsync(string node, TimeSpan lease)
    {
        var started = DateTime.UtcNow;
        while (true)
        {
            var behind = Clock.GetUtcNow() - Assert.IsType<DateTimeOffset>((await NodeSnapshot(node)).MeasuredAt);
            var waited = DateTime.UtcNow - started;
            if (behind <= TimeSpan.FromSeconds(1.5) || (waited > TimeSpan.FromMilliseconds(300) && behind + TimeSpan.FromMilliseconds(600) <= lease))
            {
                return;
            }

            Assert.True(waited < Patience, $"node {node} not heard for {behind} of fake time (lease {lease})");
            await Task.Delay(20);
        }
    }

    public async Task<NodeSnapshot> NodeSnapshot(string nodeName) =>
        (await Grains.GetGrain<INodeGrain>(GrainKeys.Node(Nodes.Single(n => n.Name == nodeName).DataCenter, nodeName)).GetSnapshot())!;

    public Task<SchedulerSnapshot> SchedulerSnapshot() => Grains.GetGrain<IPoolGrain>(GrainKeys.Pool).GetSchedulerSnapshot();

    /// <summary>Whether the scheduler of <paramref name="dataCenter"/> has an activation on some silo (asks the silos, not the grain, which would activate it).</summary>
    public Task<bool> SchedulerIsActive(string dataCenter) => IsActive(Grains.GetGrain<ISchedulerGrain>(GrainKeys.Scheduler(dataCenter)).GetGrainId());

    /// <summary>Whether grain <paramref name="id"/> has an activation on some silo (asks the silos, not the grain, which would activate it).</summary>
    public async Task<bool> IsActive(GrainId id) => (await Grains.GetGrain<IManagementGrain>(0).GetActiveGrains(id.Type)).Contains(id);

    /// <summary>Retries an assertion until it holds (messages between grains take a moment) or patience runs out.</summary>
    public async Task EventuallyAsync(Func<Task> assertion)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            try
            {
                await assertion();
                return;
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }
        }
    }

    /// <summary>
    /// The pool's core invariant: every card's slices are exactly the slices of the tasks that hold capacity on
    /// it (Placing or Running), never above capacity; what each backend runs is what the grains think runs.
    /// </summary>
    public async Task AssertConsistentAsync(IEnumerable<string> taskIds)
    {
        var statuses = (await Task.WhenAll(taskIds.Select(id => Client.GetAsync(id)))).Select(s => s!).ToList();
        var holders = statuses.Where(s => s.State.HoldsCapacity()).ToList();
        foreach (var node in Nodes)
        {
            var snapshot = await NodeSnapshot(node.Name);
            var here = holders.Where(h => h.Placement!.NodeId == snapshot.NodeId).ToList();
            Assert.Equal(here.Sum(h => h.Spec.Resources.CpuMilli), snapshot.CpuAllocatedMilli);
            Assert.Equal(here.Sum(h => h.Spec.Resources.HostMemoryMiB), snapshot.MemoryAllocatedMiB);
            Assert.InRange(snapshot.CpuAllocatedMilli, 0, snapshot.CpuCapacityMilli);
            foreach (var gpu in snapshot.Gpus)
            {
                var expected = here.Where(h => h.Placement!.GpuIds.Contains(gpu.Device.GpuId))
                    .Select(h => (h.TaskId, h.Placement!.ComputeMilli)).OrderBy(x => x.TaskId).ToList();
                var actual = gpu.Slices.Select(s => (s.TaskId, s.ComputeMilli)).OrderBy(x => x.TaskId).ToList();
                Assert.Equal(expected, actual);
                Assert.InRange(gpu.ComputeAllocatedMilli, 0, gpu.ComputeCapacityMilli);
                Assert.InRange(gpu.MemoryAllocatedMiB, 0, Math.Max(gpu.MemoryCapacityMiB, gpu.Device.MemoryMiB));
                var card = (await Grains.GetGrain<IGpuGrain>(gpu.Device.GpuId).GetSnapshot())!;
                Assert.InRange(card.ResidentMiB, 0, card.Device.MemoryMiB);
                Assert.Equal(card.MemoryAllocatedMiB, card.ResidentMiB + card.HostMiB);
            }

            var running = Backend(node.Name).Running.Keys.Order().ToList();
            var expectedRunning = statuses.Where(s => s.State == TaskState.Running && s.Placement!.NodeId == snapshot.NodeId).Select(s => s.TaskId).Order().ToList();
            Assert.Equal(expectedRunning, running);
        }
    }

    /// <summary>Stops the cluster; a second call (a test that stopped it itself) does nothing.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 1)
        {
            return;
        }

        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
    }
}
