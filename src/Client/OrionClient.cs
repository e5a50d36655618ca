using System.Collections.Immutable;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orion.Client.Monitoring;
using Orion.Contracts;
using Orleans.Configuration;

namespace Orion.Client;

/// <summary>
/// The .NET SDK of an Orion pool: submit vGPU tasks, read and list them, cancel them and watch them change.
/// Create one with <see cref="ConnectAsync"/> (its own connection) or over an existing grain factory.
/// </summary>
public sealed class OrionClient : IAsyncDisposable
{
    // Orleans' default response timeout: a long-poll held this long would time out instead of answering.
    private static readonly TimeSpan ResponseTimeout = TimeSpan.FromSeconds(30);

    // A System.Threading timer's longest due time (uint.MaxValue - 1 ms, about 49.7 days).
    private static readonly TimeSpan MaxHoldTime = TimeSpan.FromMilliseconds(uint.MaxValue - 1d);

    private readonly IGrainFactory grains;
    private readonly IHost? ownedHost;
    private readonly TimeSpan watchPoll;
    private readonly TimeProvider time;

    // How often WaitForRolloutAsync reads its deployment.
    private static readonly TimeSpan RolloutPoll = TimeSpan.FromSeconds(1);

    /// <summary>Uses an existing connection (a silo's or a client's grain factory).</summary>
    /// <param name="grains">The connection.</param>
    /// <param name="watchPollInterval">How long one long-poll of <see cref="WatchAsync"/> waits.</param>
    /// <param name="time">The clock leases measure hold times on (the system clock by default).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="watchPollInterval"/> is not above 0 and below 30 s.</exception>
    public OrionClient(IGrainFactory grains, TimeSpan? watchPollInterval = null, TimeProvider? time = null)
        : this(grains, null, CheckWatchPoll(watchPollInterval ?? TimeSpan.FromSeconds(10), nameof(watchPollInterval)), time ?? TimeProvider.System)
    {
    }

    private OrionClient(IGrainFactory grains, IHost? ownedHost, TimeSpan watchPoll, TimeProvider time)
    {
        this.grains = grains;
        this.ownedHost = ownedHost;
        this.watchPoll = watchPoll;
        this.time = time;
    }

    /// <summary>The services of the host this client owns (null when given its grain factory); for tests.</summary>
    internal IServiceProvider? HostServices => ownedHost?.Services;

    /// <summary>Connects to a cluster; dispose the client to disconnect. Leaves the application's signals and exit to it.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="OrionClientOptions.WatchPollInterval"/> is not above 0 and below 30 s.</exception>
    /// <exception cref="ArgumentException"><see cref="OrionClientOptions.ClientCertificate"/> has no private key.</exception>
    public static async Task<OrionClient> ConnectAsync(OrionClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new OrionClientOptions();
        CheckWatchPoll(options.WatchPollInterval, "options.WatchPollInterval");
        if (options.ClientCertificate is { HasPrivateKey: false })
        {
            throw new ArgumentException("options.ClientCertificate must come with its private key, to prove it is this client's", "options.ClientCertificate");
        }

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.UseOrleansClient(client =>
        {
            // A caller's current trace continues into the grains (submit → place → start in one trace).
            client.AddActivityPropagation();
            if (options.Token is { } token)
            {
                client.AddOutgoingGrainCallFilter(new AccessTokenFilter(token));
            }

            if (options.UseTls || options.TrustedCertificate is not null || options.ClientCertificate is not null)
            {
                var trusted = options.TrustedCertificate;
                client.UseTls(tls =>
                {
                    tls.LocalCertificate = options.ClientCertificate;
                    tls.RemoteCertificateValidation = (remote, _, errors) => CertificateTrust.Accepts(remote, errors, trusted);
                });
            }

            if (options.RedisConnectionString is { } redis)
            {
                client.UseRedisClustering(redis);
                client.Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = options.ClusterId;
                    o.ServiceId = options.ServiceId;
                });
            }
            else if (options.Gateways.Count == 0)
            {
                client.UseLocalhostClustering(options.GatewayPort, options.ServiceId, options.ClusterId);
            }
            else
            {
                client.UseStaticClustering([.. options.Gateways]);
                client.Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = options.ClusterId;
                    o.ServiceId = options.ServiceId;
                });
            }
        });
        builder.Services.AddSingleton<IHostLifetime, ClientHostLifetime>();
        var host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken);
        }
        catch
        {
            // A host that did not start still holds its services (and maybe half-open connections).
            await DisposeHostAsync(host);
            throw;
        }

        return new OrionClient(host.Services.GetRequiredService<IClusterClient>(), host, options.WatchPollInterval, TimeProvider.System);
    }

    /// <summary>Submits a task. Submitting the same spec under the same id again returns its current status.</summary>
    /// <param name="spec">What to run.</param>
    /// <param name="taskId">The id to give the task; a new unique one when null.</param>
    /// <param name="cancellationToken">Cancels the wait (not the task).</param>
    /// <returns>
    /// The accepted task's status (Pending, or further along if it was placed at once; Pending with
    /// <see cref="VGpuTaskStatus.QuotaWait"/> while it waits for its tenant's quota).
    /// </returns>
    /// <exception cref="SpecValidationException">
    /// The spec breaks a rule, or its tenant's quota refuses it (see <see cref="SetQuotaAsync"/>); nothing was changed.
    /// </exception>
    /// <exception cref="ArgumentException"><paramref name="taskId"/> breaks <see cref="TaskIdFormat.Rule"/>.</exception>
    public async Task<VGpuTaskStatus> SubmitAsync(TaskSpec spec, string? taskId = null, CancellationToken cancellationToken = default)
    {
        if (taskId is not null && !TaskIdFormat.IsValid(taskId))
        {
            throw new ArgumentException($"taskId {TaskIdFormat.RuleOrNull}", nameof(taskId));
        }

        var local = SpecValidator.Validate(spec);
        if (!local.IsEmpty)
        {
            throw new SpecValidationException(local);
        }

        taskId ??= NewTaskId();
        var result = await grains.Grain<IVGpuTaskGrain>(taskId).Submit(spec).WaitAsync(cancellationToken);
        return result.Accepted ? result.Status! : throw new SpecValidationException(result.Errors);
    }

    /// <summary>
    /// A dry run: what the pool would do with <paramref name="spec"/> submitted now, submitting nothing. Its tenant's quota
    /// answers as it would admit it; the tasks it runs after are looked up; each data centre it may run in (the pinned
    /// one, the preferred one first, else all) says which node and cards its policy would choose now, or node by node why
    /// none takes it. A task placed now may still wait behind tasks queued before it that take the room first. With
    /// <paramref name="count"/>, a job array of that many tasks of the spec, each placed as if the ones before had been; a
    /// gang member's whole gang is always previewed, all or none; the quota answers for all of them (for an array, also how
    /// many it would admit now).
    /// </summary>
    /// <exception cref="SpecValidationException">The spec breaks a rule.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is not 1 to <see cref="PlacementPreview.MaxTasks"/>.</exception>
    public async Task<TaskPreview> PreviewAsync(TaskSpec spec, int count = 1, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (count is < 1 or > PlacementPreview.MaxTasks)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, $"count must be 1 to {PlacementPreview.MaxTasks}");
        }

        var local = SpecValidator.Validate(spec);
        if (!local.IsEmpty)
        {
            throw new SpecValidationException(local);
        }

        count = spec.Gang?.Size ?? count;
        var quota = spec.Schedule is null
            ? await grains.Grain<ITenantGrain>(spec.Tenant).Preview(spec.Resources, spec.Priority.Class, spec.Priority.Class != PriorityClass.Online && spec.Gang is null, spec.Gang, spec.Gang is null ? count : 1).WaitAsync(cancellationToken)
            : AdmitResult.Admitted;

        var awaiting = ImmutableList.CreateBuilder<string>();
        var refusals = ImmutableArray.CreateBuilder<ValidationError>();
        foreach (var id in spec.After ?? [])
        {
            var awaited = await GetAsync(id, cancellationToken);
            if (TaskAfter.Refusal(id, awaited, spec.AfterCondition) is { } refusal)
            {
                refusals.Add(new ValidationError("after", refusal));
            }
            else if (TaskAfter.Met(awaited!.State, spec.AfterCondition) != true)
            {
                awaiting.Add(id);
            }
        }

        var c = spec.Constraints;
        var dataCenters = c.DataCenter is { } pinned
            ? [pinned]
            : (await grains.Grain<IPoolGrain>(GrainKeys.Pool).GetDataCenters().WaitAsync(cancellationToken)).Select(d => d.DataCenter)
                .OrderBy(d => d == c.PreferredDataCenter ? 0 : 1).ThenBy(d => d, StringComparer.Ordinal).ToArray();
        var previews = await Task.WhenAll(dataCenters.Select(dc => grains.Grain<ISchedulerGrain>(GrainKeys.Scheduler(dc)).Preview(spec, count))).WaitAsync(cancellationToken);
        return new TaskPreview(quota, awaiting.ToImmutable(), refusals.ToImmutable(), [.. previews], spec.AfterCondition, count);
    }

    /// <summary>
    /// Submits a gang: <paramref name="size"/> workers of <paramref name="worker"/>, ids <c>GANG-0</c> … <c>GANG-(size-1)</c>,
    /// placed all together or not at all; one that fails or is cancelled ends the rest (see <see cref="GangSpec"/>).
    /// </summary>
    /// <param name="gang">The gang's name, also its workers' id prefix.</param>
    /// <param name="worker">Each worker's spec (its <see cref="TaskSpec.Gang"/> is set here).</param>
    /// <param name="size">How many workers (2..<see cref="GangSpec.MaxSize"/>).</param>
    /// <param name="cancellationToken">Cancels the wait (not the tasks).</param>
    /// <returns>Each worker's status, in rank order.</returns>
    /// <exception cref="SpecValidationException">The gang or the spec breaks a rule; nothing was submitted.</exception>
    public Task<IReadOnlyList<VGpuTaskStatus>> SubmitGangAsync(string gang, TaskSpec worker, int size, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(worker);
        var spec = worker with { Gang = new GangSpec(gang, size) };
        var errors = SpecValidator.Validate(spec);
        if (TaskIdFormat.IsValid(gang) && !TaskIdFormat.IsValid($"{gang}-{size - 1}"))
        {
            errors = errors.Add(new("gang.name", $"must leave room for the workers' ids ({gang}-{size - 1}): {TaskIdFormat.Rule}"));
        }

        return errors.IsEmpty
            ? SubmitManyAsync([.. Enumerable.Range(0, size).Select(rank => new TaskSubmission(spec, $"{gang}-{rank}"))], cancellationToken)
            : throw new SpecValidationException(errors);
    }

    /// <summary>
    /// Submits <paramref name="count"/> replicas of <paramref name="replica"/>, ids <c>GROUP-0</c> … <c>GROUP-(count-1)</c>,
    /// kept apart: at most <paramref name="maxPerDomain"/> of the tenant's spread group <paramref name="group"/> on one node,
    /// or with <paramref name="topologyKey"/> among the nodes sharing a value of that label (a zone, a rack), so losing a
    /// machine or a zone takes few of them (see <see cref="SpreadSpec"/>). A replica with no domain below the most waits for one.
    /// </summary>
    /// <param name="group">The spread group's name, also the replicas' id prefix.</param>
    /// <param name="replica">Each replica's spec (its <see cref="PlacementConstraints.Spread"/> is set here).</param>
    /// <param name="count">How many replicas (at least 1).</param>
    /// <param name="maxPerDomain">The most replicas in one domain (1..<see cref="SpreadSpec.MaxPerDomainLimit"/>).</param>
    /// <param name="preferred">A preference, not a rule: a replica with no domain below the most runs where the group is thinnest instead of waiting.</param>
    /// <param name="topologyKey">A node label whose values are the domains (such as <c>zone</c>); null for one domain per node.</param>
    /// <param name="cancellationToken">Cancels the wait (not the tasks).</param>
    /// <returns>Each replica's status, in index order.</returns>
    /// <exception cref="SpecValidationException">The group, the count or the spec breaks a rule; nothing was submitted.</exception>
    public Task<IReadOnlyList<VGpuTaskStatus>> SubmitReplicasAsync(
        string group, TaskSpec replica, int count, int maxPerDomain = 1, bool preferred = false, string? topologyKey = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(replica);
        var spec = replica with { Constraints = (replica.Constraints ?? PlacementConstraints.None) with { Spread = new SpreadSpec(group, maxPerDomain, preferred, topologyKey) } };
        var errors = SpecValidator.Validate(spec);
        if (count < 1)
        {
            errors = errors.Add(new("count", "must be at least 1"));
        }
        else if (TaskIdFormat.IsValid(group) && !TaskIdFormat.IsValid($"{group}-{count - 1}"))
        {
            errors = errors.Add(new("constraints.spread.group", $"must leave room for the replicas' ids ({group}-{count - 1}): {TaskIdFormat.Rule}"));
        }

        return errors.IsEmpty
            ? SubmitManyAsync([.. Enumerable.Range(0, count).Select(i => new TaskSubmission(spec, $"{group}-{i}"))], cancellationToken)
            : throw new SpecValidationException(errors);
    }

    /// <summary>
    /// Creates a deployment, or changes one: <paramref name="replicas"/> replica tasks of <paramref name="replica"/> kept
    /// live, ids <c>NAME.1</c>, <c>NAME.2</c>, ... (each new replica takes the next serial). A replica that ends by itself
    /// is replaced, backing off from 10 s to 5 min while replicas keep failing (one that ran 10 min resets it); a changed
    /// spec is a new revision, rolled out by <paramref name="strategy"/>: by default one replica at a time, an old replica
    /// cancelled only once a new one runs in its place. Replicas carry the labels <c>orion/deployment=NAME</c> and <c>orion/revision=N</c>, and, when the spec spreads
    /// nothing, a preferred spread group named after the deployment, so they land on different nodes where they can.
    /// </summary>
    /// <param name="name">The deployment's name (<see cref="DeploymentRules.NameRule"/>).</param>
    /// <param name="replica">What each replica runs: no gang, schedule, after or fail-if-unplaceable.</param>
    /// <param name="replicas">How many replicas to keep (0 to <see cref="DeploymentRules.MaxReplicas"/>); with <paramref name="autoscale"/>, how many to start with, held within its bounds (a deployment that scales itself already keeps the count its demand asked for).</param>
    /// <param name="autoscale">
    /// Null to keep <paramref name="replicas"/>; else the deployment (of an online spec) sets its own count from how busy its
    /// replicas are: more at once when they are busier than the target, fewer once a lower count has been enough for 5
    /// minutes. Busy is an online task's demand: while its lease marks requests, or its daemon measures its process using its card.
    /// </param>
    /// <param name="strategy">
    /// How a new spec is rolled out (its surge and how many fewer may serve meanwhile: a pool with no card to spare needs
    /// <c>new DeploymentStrategy { MaxSurge = 0, MaxUnavailable = 1 }</c>) and how many replicas a drain may move at once; null:
    /// <see cref="DeploymentStrategy.Default"/>. Like the rest, what it is given is what it keeps: deploying again without
    /// one goes back to the default.
    /// </param>
    /// <param name="cancellationToken">Cancels the wait (not the change).</param>
    /// <returns>The deployment after its first look at its replicas.</returns>
    /// <exception cref="SpecValidationException">The name, the count, the autoscale, the strategy or the spec breaks a rule, or the spec names another tenant than the deployment's; nothing changed.</exception>
    public async Task<DeploymentStatus> DeployAsync(
        string name, TaskSpec replica, int replicas, AutoscaleSpec? autoscale = null, DeploymentStrategy? strategy = null, CancellationToken cancellationToken = default)
    {
        var local = DeploymentRules.Validate(name, replica, replicas).AddRange(DeploymentRules.CheckAutoscale(autoscale, replica))
            .AddRange(DeploymentRules.CheckStrategy(strategy));
        if (!local.IsEmpty)
        {
            throw new SpecValidationException(local, "the deployment");
        }

        return Deployment(await grains.Grain<IDeploymentGrain>(name).Apply(replica, replicas, autoscale, strategy).WaitAsync(cancellationToken));
    }

    /// <summary>Changes how many replicas a deployment keeps (0 keeps it with none); the surplus is cancelled, those not running first, then the newest.</summary>
    /// <exception cref="SpecValidationException">There is no such deployment, it scales itself, or the count is not 0 to <see cref="DeploymentRules.MaxReplicas"/>.</exception>
    public async Task<DeploymentStatus> ScaleAsync(string name, int replicas, CancellationToken cancellationToken = default)
    {
        var local = CheckDeploymentName(name).AddRange(DeploymentRules.CheckReplicas(replicas));
        if (!local.IsEmpty)
        {
            throw new SpecValidationException(local, "the deployment");
        }

        return Deployment(await grains.Grain<IDeploymentGrain>(name).Scale(replicas).WaitAsync(cancellationToken));
    }

    /// <summary>
    /// Issues an access token through the pool: made here, of which the pool keeps only the SHA-256, taken by every silo
    /// at once (beside the tokens in their settings) until it expires or is revoked. An admin's call; a tenant's own token
    /// may issue tokens of role tenant for its tenant.
    /// </summary>
    /// <param name="name">What logs, refusals and <see cref="RevokeTokenAsync"/> call it; unique among the issued tokens.</param>
    /// <param name="role">admin, tenant, node or viewer.</param>
    /// <param name="tenant">For role tenant: the tenant whose work it may act on.</param>
    /// <param name="node">For role node, optionally: the one node (dc/name) it may speak for.</param>
    /// <param name="validFor">How long it is taken from now; null: until revoked.</param>
    /// <param name="cancellationToken">Stops waiting for the answer.</param>
    /// <exception cref="ArgumentException">A value breaks its rule, or the name is issued already (the message names the field); nothing was issued.</exception>
    /// <exception cref="UnauthorizedAccessException">This client's token may not issue that token.</exception>
    public async Task<NewAccessToken> IssueTokenAsync(
        string name, string role, string? tenant = null, string? node = null, TimeSpan? validFor = null, CancellationToken cancellationToken = default)
    {
        var token = AccessToken.New();
        var request = new TokenRequest(name, role, tenant, node, AccessToken.Hash(token), validFor);
        var errors = AccessTokenRules.Check(request);
        if (!errors.IsEmpty)
        {
            throw new ArgumentException(string.Join("; ", errors), errors[0].Field);
        }

        return new(token, await grains.Grain<IAccessTokenGrain>(GrainKeys.Pool).Issue(request).WaitAsync(cancellationToken));
    }

    /// <summary>
    /// Rotates the issued token of that name: a new token of the same name, role and binding, valid for
    /// <paramref name="validFor"/> or as long as the old one was; the old one is refused from then on (within
    /// <c>Orion:Pool:SettingsMaxAge</c>). Null when none has that name. Who may revoke it may rotate it.
    /// </summary>
    /// <exception cref="ArgumentException">The validity breaks its rule (the message names the field); nothing was changed.</exception>
    public async Task<NewAccessToken?> RotateTokenAsync(string name, TimeSpan? validFor = null, CancellationToken cancellationToken = default)
    {
        var token = AccessToken.New();
        var rotated = await grains.Grain<IAccessTokenGrain>(GrainKeys.Pool).Rotate(name, AccessToken.Hash(token), validFor).WaitAsync(cancellationToken);
        return rotated is null ? null : new(token, rotated);
    }

    /// <summary>
    /// Revokes the issued token of that name: every silo refuses it within <c>Orion:Pool:SettingsMaxAge</c> (1 s). Null
    /// when none has that name (tokens in silos' settings are removed there). An admin's call, or a tenant's for its tenant's tokens.
    /// </summary>
    public Task<IssuedToken?> RevokeTokenAsync(string name, CancellationToken cancellationToken = default) =>
        grains.Grain<IAccessTokenGrain>(GrainKeys.Pool).Revoke(name).WaitAsync(cancellationToken);

    /// <summary>
    /// The tokens in silos' settings (<c>Orion:Access:Tokens</c>), by name, expired ones too, as the silo keeping the issued
    /// tokens has them (every silo should have the same): never their hashes. An admin's call.
    /// </summary>
    /// <exception cref="UnauthorizedAccessException">The pool requires tokens and this client's is not an admin's.</exception>
    public async Task<IReadOnlyList<ConfiguredToken>> ListConfiguredTokensAsync(CancellationToken cancellationToken = default) =>
        await grains.Grain<IAccessTokenGrain>(GrainKeys.Pool).ListConfigured().WaitAsync(cancellationToken);

    /// <summary>
    /// The tokens issued through the pool, by name, expired ones too until revoked (not those in silos' settings: see
    /// <see cref="ListConfiguredTokensAsync"/>): all of them to an admin, its own tenant's to a tenant's token.
    /// </summary>
    public async Task<IReadOnlyList<IssuedToken>> ListTokensAsync(CancellationToken cancellationToken = default) =>
        (await grains.Grain<IAccessTokenGrain>(GrainKeys.Pool).List().WaitAsync(cancellationToken)).Tokens;

    /// <summary>Who the pool takes this client for, by its token ("token 'ci' (tenant search)"); null when the pool requires no token.</summary>
    /// <exception cref="UnauthorizedAccessException">The pool requires a token and this client's is none or unknown.</exception>
    public Task<string?> WhoAmIAsync(CancellationToken cancellationToken = default) =>
        grains.Grain<IPoolGrain>(GrainKeys.Pool).WhoAmI().WaitAsync(cancellationToken);

    /// <summary>
    /// Pauses a deployment's rollout: replicas of an earlier revision stay beside those of the current one (a canary to
    /// watch: deploy a new spec, pause once a replica of it runs), and a spec deployed while paused waits; replicas that
    /// end are still made up. <see cref="ResumeRolloutAsync"/> goes on.
    /// </summary>
    /// <exception cref="SpecValidationException">There is no such deployment.</exception>
    public Task<DeploymentStatus> PauseRolloutAsync(string name, CancellationToken cancellationToken = default) => SetRolloutPaused(name, true, cancellationToken);

    /// <summary>Resumes a deployment's paused rollout (<see cref="PauseRolloutAsync"/>).</summary>
    /// <exception cref="SpecValidationException">There is no such deployment.</exception>
    public Task<DeploymentStatus> ResumeRolloutAsync(string name, CancellationToken cancellationToken = default) => SetRolloutPaused(name, false, cancellationToken);

    private async Task<DeploymentStatus> SetRolloutPaused(string name, bool paused, CancellationToken cancellationToken)
    {
        var local = CheckDeploymentName(name);
        if (!local.IsEmpty)
        {
            throw new SpecValidationException(local, "the deployment");
        }

        return Deployment(await grains.Grain<IDeploymentGrain>(name).PauseRollout(paused).WaitAsync(cancellationToken));
    }

    /// <summary>
    /// Rolls a deployment back to the spec of an earlier revision, as a new revision rolled out by its strategy (by default
    /// one replica at a time; rolling back twice to the revision before returns to where it began).
    /// </summary>
    /// <param name="name">The deployment.</param>
    /// <param name="toRevision">The revision whose spec to roll out again, one the deployment still keeps (its last ten, <see cref="DeploymentStatus.Revisions"/>); null: the one before the current.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <exception cref="SpecValidationException">There is no such deployment, it has had only one spec, or the revision is not an earlier one it keeps.</exception>
    public async Task<DeploymentStatus> RollBackAsync(string name, int? toRevision = null, CancellationToken cancellationToken = default)
    {
        var local = CheckDeploymentName(name);
        if (!local.IsEmpty)
        {
            throw new SpecValidationException(local, "the deployment");
        }

        return Deployment(await grains.Grain<IDeploymentGrain>(name).RollBack(toRevision).WaitAsync(cancellationToken));
    }

    /// <summary>
    /// Waits for a deployment's rollout to finish, as <c>kubectl rollout status</c>: every replica asked for of the current
    /// revision serving (warmed up, <see cref="DeploymentStrategy.MinReady"/>) and none of an earlier revision live. Reads
    /// the deployment every second (it reads its replicas every 5 s, and at once when one ends) and reports each change to <paramref name="progress"/> (synchronously).
    /// A deployment already rolled out returns at once.
    /// </summary>
    /// <param name="name">The deployment's name.</param>
    /// <param name="timeout">How long to wait (more than zero).</param>
    /// <param name="progress">Told each new reading; may be null.</param>
    /// <param name="cancellationToken">Cancels the wait (the rollout goes on).</param>
    /// <returns>The deployment once rolled out.</returns>
    /// <exception cref="SpecValidationException">The name breaks <see cref="DeploymentRules.NameRule"/>.</exception>
    /// <exception cref="InvalidOperationException">There is no such deployment, or it was deleted while waited on.</exception>
    /// <exception cref="RolloutFailedException">
    /// Its replicas keep failing (<see cref="DeploymentRules.RolloutFailures"/> in a row), its rollout is paused, passed its
    /// <see cref="DeploymentStrategy.ProgressDeadline"/>, was rolled back by the deployment itself
    /// (<see cref="DeploymentStrategy.RollBackOnFailure"/>), or <paramref name="timeout"/> passed; the message says why, and
    /// for the deadline and the timeout why a new replica waits, if one does.
    /// Nothing is undone.
    /// </exception>
    public async Task<DeploymentStatus> WaitForRolloutAsync(
        string name, TimeSpan timeout, IProgress<RolloutProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        var local = CheckDeploymentName(name);
        if (!local.IsEmpty)
        {
            throw new SpecValidationException(local, "the deployment");
        }

        var until = time.GetUtcNow() + timeout;
        string? said = null;
        int? waitedOn = null;
        while (true)
        {
            var status = await GetDeploymentAsync(name, cancellationToken)
                ?? throw new InvalidOperationException(said is null ? $"no deployment {name}" : $"deployment {name} was deleted");
            var now = RolloutProgress.Of(status);
            waitedOn ??= status.Revision;
            if (status.Revision != waitedOn && status.RolledBack is { } rolledBack)
            {
                // The revision waited on failed and the deployment undid it: its own roll back rolling out is no success.
                throw new RolloutFailedException(now, $"revision {waitedOn} was rolled back by the deployment itself ({rolledBack})");
            }

            if (now.Text != said)
            {
                progress?.Report(now);
                said = now.Text;
            }

            if (now.Done)
            {
                return status;
            }

            if (now.Failure is { } failure)
            {
                throw new RolloutFailedException(now, status.Stalled ? failure + await WhyAReplicaWaits(status, cancellationToken) : failure);
            }

            if (time.GetUtcNow() >= until)
            {
                throw new RolloutFailedException(now, $"not rolled out after {Durations.Format(timeout)}{await WhyAReplicaWaits(status, cancellationToken)}");
            }

            await Task.Delay(RolloutPoll, time, cancellationToken);
        }
    }

    /// <summary>"; NAME.N waits: why" for the first replica of the current revision that does not serve yet, if it says why.</summary>
    private async Task<string> WhyAReplicaWaits(DeploymentStatus status, CancellationToken cancellationToken)
    {
        var waiting = status.Tasks.FirstOrDefault(t => t.Revision == status.Revision && !t.Ready);
        return waiting is not null && await WhyWaitingAsync(waiting.TaskId, cancellationToken) is { } why ? $"; {waiting.TaskId} waits: {why}" : "";
    }

    /// <summary>A deployment as of its last look at its replicas; null when there is none of that name.</summary>
    /// <exception cref="SpecValidationException">The name breaks <see cref="DeploymentRules.NameRule"/>.</exception>
    public Task<DeploymentStatus?> GetDeploymentAsync(string name, CancellationToken cancellationToken = default)
    {
        var local = CheckDeploymentName(name);
        return local.IsEmpty ? grains.Grain<IDeploymentGrain>(name).GetStatus().WaitAsync(cancellationToken) : throw new SpecValidationException(local, "the deployment");
    }

    /// <summary>Every deployment, by name.</summary>
    public async Task<IReadOnlyList<DeploymentStatus>> ListDeploymentsAsync(CancellationToken cancellationToken = default)
    {
        var names = await grains.Grain<IDeploymentDirectoryGrain>(GrainKeys.Pool).List().WaitAsync(cancellationToken);
        var all = await Task.WhenAll(names.Select(n => grains.Grain<IDeploymentGrain>(n).GetStatus())).WaitAsync(cancellationToken);
        return [.. all.OfType<DeploymentStatus>()];
    }

    /// <summary>Deletes a deployment: every replica is cancelled and the name is free again. Its status before; null when there was none.</summary>
    /// <exception cref="SpecValidationException">The name breaks <see cref="DeploymentRules.NameRule"/>.</exception>
    /// <exception cref="InvalidOperationException">
    /// A replica could not be cancelled now (its silo is down, say): the deployment stays, asking for no replicas and
    /// listing those left, until it is deleted again.
    /// </exception>
    public Task<DeploymentStatus?> DeleteDeploymentAsync(string name, string reason = "deleted by client", CancellationToken cancellationToken = default)
    {
        var local = CheckDeploymentName(name);
        return local.IsEmpty ? grains.Grain<IDeploymentGrain>(name).Delete(reason).WaitAsync(cancellationToken) : throw new SpecValidationException(local, "the deployment");
    }

    private static ImmutableArray<ValidationError> CheckDeploymentName(string name) =>
        DeploymentRules.IsValidName(name) ? [] : [new("name", DeploymentRules.NameRule)];

    private static DeploymentStatus Deployment(DeploymentResult result) => result.Accepted ? result.Status! : throw new SpecValidationException(result.Errors, "the deployment");

    /// <summary>
    /// Submits many tasks at once (a job array, a burst). Every spec is checked first, and none is submitted when one
    /// breaks a rule; then all are submitted together, so the scheduler decides for them in a few rounds rather than
    /// one by one. Each task is idempotent per id, as with <see cref="SubmitAsync"/>.
    /// </summary>
    /// <param name="tasks">The tasks, each with its id or none (a new unique one).</param>
    /// <param name="cancellationToken">Cancels the wait (not the tasks).</param>
    /// <returns>Each accepted task's status, in the order given.</returns>
    /// <exception cref="SpecValidationException">
    /// An entry, its id or its spec breaks a rule (fields named <c>tasks[i].…</c>; nothing was submitted), or the pool
    /// rejected some (the others were submitted).
    /// </exception>
    public async Task<IReadOnlyList<VGpuTaskStatus>> SubmitManyAsync(IReadOnlyList<TaskSubmission> tasks, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        var local = CheckSubmissions(tasks);
        if (!local.IsEmpty)
        {
            throw new SpecValidationException(local);
        }

        var results = await Task.WhenAll(tasks.Select(t => grains.Grain<IVGpuTaskGrain>(t.TaskId ?? NewTaskId()).Submit(t.Spec))).WaitAsync(cancellationToken);
        var rejected = results.SelectMany((r, i) => r.Accepted ? [] : r.Errors.Select(e => e with { Field = $"tasks[{i}].{e.Field}" })).ToImmutableArray();
        return rejected.IsEmpty ? [.. results.Select(r => r.Status!)] : throw new SpecValidationException(rejected);
    }

    /// <summary>
    /// Starts an online service and returns its lease once it runs. Wrap each request the service serves in
    /// <see cref="VGpuLease.BeginRequestAsync"/>; dispose the lease to end the service.
    /// </summary>
    /// <exception cref="ArgumentException">The spec is not of the Online class, or <see cref="LeaseOptions.TaskId"/> is blank.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="LeaseOptions.HoldTime"/> is negative or above a timer's range.</exception>
    /// <exception cref="SpecValidationException">The spec breaks a rule; nothing was changed.</exception>
    /// <exception cref="InvalidOperationException">The task ended before it ran.</exception>
    /// <remarks>When the wait fails or is cancelled, the submitted task is cancelled (best effort), so no service runs unleased.</remarks>
    public async Task<VGpuLease> AcquireAsync(TaskSpec spec, LeaseOptions? options = null, CancellationToken cancellationToken = default)
    {
        if (spec?.Priority?.Class is not PriorityClass.Online)
        {
            throw new ArgumentException("spec.priority.class must be Online for a lease (other work is submitted with SubmitAsync)", nameof(spec));
        }

        options ??= new LeaseOptions();
        if (options.HoldTime < TimeSpan.Zero || options.HoldTime > MaxHoldTime)
        {
            throw new ArgumentOutOfRangeException("options.HoldTime", options.HoldTime, $"options.HoldTime must be from 0 to {MaxHoldTime} (a timer's range)");
        }

        if (options.TaskId is not null && !TaskIdFormat.IsValid(options.TaskId))
        {
            throw new ArgumentException($"options.TaskId {TaskIdFormat.RuleOrNull}", "options.TaskId");
        }

        // The id is known before the submit, so a submit that may have landed can be undone too.
        var taskId = options.TaskId ?? NewTaskId();
        try
        {
            await SubmitAsync(spec, taskId, cancellationToken);
            var running = await WaitForStateAsync(taskId, [TaskState.Running], cancellationToken);
            return new VGpuLease(grains, running, options.HoldTime, time);
        }
        catch (Exception ex) when (ex is not SpecValidationException)
        {
            // Nobody will hold the lease: left queued, the service would later run with no one to end it.
            try
            {
                await CancelAsync(taskId, "acquire abandoned", CancellationToken.None);
            }
            catch (Exception)
            {
                // Best effort: the caller's exception is the one that matters.
            }

            throw;
        }
    }

    /// <summary>
    /// A lease on an online task that runs already and that this client did not start: a deployment's replica, held by
    /// whatever routes its requests, so that its requests pause offline work on its card as an acquired lease's do, and
    /// a deployment that scales itself sees how busy it is. Disposing it ends only its demand; the task runs on.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="taskId"/> breaks <see cref="TaskIdFormat.Rule"/>, or the task is not of the Online class.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="LeaseOptions.HoldTime"/> is negative or above a timer's range.</exception>
    /// <exception cref="InvalidOperationException">No task has this id, or it is not running (or paused) on its cards now.</exception>
    public async Task<VGpuLease> AttachAsync(string taskId, LeaseOptions? options = null, CancellationToken cancellationToken = default)
    {
        if (!TaskIdFormat.IsValid(taskId))
        {
            throw new ArgumentException($"taskId {TaskIdFormat.Rule}", nameof(taskId));
        }

        options ??= new LeaseOptions();
        if (options.HoldTime < TimeSpan.Zero || options.HoldTime > MaxHoldTime)
        {
            throw new ArgumentOutOfRangeException("options.HoldTime", options.HoldTime, $"options.HoldTime must be from 0 to {MaxHoldTime} (a timer's range)");
        }

        var status = await GetAsync(taskId, cancellationToken) ?? throw new InvalidOperationException($"no task with id '{taskId}'");
        if (status.Spec.Priority.Class != PriorityClass.Online)
        {
            throw new ArgumentException($"task {taskId} is of the {status.Spec.Priority.Class} class: only online tasks hold leases", nameof(taskId));
        }

        return status is { State: TaskState.Running or TaskState.Suspended, Placement: not null }
            ? new VGpuLease(grains, status, options.HoldTime, time, ownsTask: false)
            : throw new InvalidOperationException($"task {taskId} is {status.State}: a lease attaches to a task running on its cards");
    }

    /// <summary>The task's status, or null when no task has this id.</summary>
    public Task<VGpuTaskStatus?> GetAsync(string taskId, CancellationToken cancellationToken = default) =>
        grains.Grain<IVGpuTaskGrain>(taskId).GetStatus().WaitAsync(cancellationToken);

    /// <summary>
    /// Why a task does not run yet: for a Pending task the quota limit it waits on, or its scheduler's account of now (its
    /// gang still gathering, or node by node the first rule each breaks, counted: "0 of 3 nodes take it now: holding 1
    /// of its spread group web already (2), too little free CPU for 8,000 milli (1)"); for a Scheduled one, when its
    /// window opens; for a Blocked one, the tasks it runs after (<see cref="TaskSpec.After"/>) still to complete; for a running
    /// one whose readiness probe does not pass (<see cref="TaskSpec.Readiness"/>), the probe's last failure. Null for a task
    /// that is placed, running (and ready) or ended, or that does not exist.
    /// </summary>
    public async Task<string?> WhyWaitingAsync(string taskId, CancellationToken cancellationToken = default) =>
        await WaitingReason.OfAsync(grains, await GetAsync(taskId, cancellationToken), cancellationToken);

    /// <summary>Tasks matching the query, newest first.</summary>
    /// <exception cref="ArgumentException">A label of <see cref="TaskQuery.Labels"/> breaks the rules of labels.</exception>
    public async Task<IReadOnlyList<VGpuTaskStatus>> ListAsync(TaskQuery? query = null, CancellationToken cancellationToken = default)
    {
        if (NodeLabels.Check(query?.Labels, "query.labels") is { IsEmpty: false } broken)
        {
            throw new ArgumentException(string.Join("; ", broken), nameof(query));
        }

        return await grains.Grain<ITaskCatalogGrain>(GrainKeys.Pool).List(query ?? new TaskQuery()).WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Cancels every live task the query matches (a tenant's job array, its tasks waiting for quota): each is dequeued, or
    /// stopped with its capacity freed. Returns the tasks it cancelled.
    /// </summary>
    /// <exception cref="ArgumentException">The query names no tenant: cancelling the whole pool at once is not offered.</exception>
    public async Task<IReadOnlyList<VGpuTaskStatus>> CancelManyAsync(TaskQuery query, string reason = "cancelled by client", CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (!TenantName.IsValid(query.Tenant))
        {
            throw new ArgumentException($"query.tenant {TenantName.Rule}: a bulk cancel is of one tenant's tasks", nameof(query));
        }

        var live = (await ListAsync(query with { Limit = int.MaxValue }, cancellationToken)).Where(t => !t.State.IsTerminal());
        var cancelled = await Task.WhenAll(live.Select(t => grains.Grain<IVGpuTaskGrain>(t.TaskId).Cancel(reason))).WaitAsync(cancellationToken);
        return [.. cancelled.OfType<VGpuTaskStatus>().Where(s => s.State == TaskState.Cancelled)];
    }

    /// <summary>
    /// A piece of a task's log, as the daemon of the node it ran on keeps it: a process's output and errors (NVIDIA nodes
    /// whose daemon has <c>--task-logs</c>), or the simulator's account of its workload. Up to <paramref name="maxBytes"/>
    /// from <paramref name="offset"/> in bytes (negative: that many before the end); read on from
    /// <see cref="TaskLogChunk.Next"/>. Its latest run's log is read (<see cref="ReadRunLogAsync"/> reads an earlier one's).
    /// </summary>
    /// <returns>The piece; null when there is no such task, it never ran, or its node keeps no log of it.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxBytes"/> is not 1..<see cref="TaskLogChunk.MaxBytes"/>.</exception>
    public Task<TaskLogChunk?> ReadLogAsync(string taskId, long offset = -64 * 1024, int maxBytes = 64 * 1024, CancellationToken cancellationToken = default) =>
        ReadLog(taskId, null, offset, maxBytes, cancellationToken);

    /// <summary>
    /// As <see cref="ReadLogAsync"/>, of the run under <paramref name="generation"/>: the current one or one of its past runs
    /// (<see cref="VGpuTaskStatus.PastRuns"/>), read from the node it ran on, as long as that node's daemon keeps it (a
    /// restarted run's log after its failure, say).
    /// </summary>
    /// <returns>The piece; null when there is no such task or run, or its node keeps no log of it.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxBytes"/> is not 1..<see cref="TaskLogChunk.MaxBytes"/>.</exception>
    public Task<TaskLogChunk?> ReadRunLogAsync(string taskId, long generation, long offset = -64 * 1024, int maxBytes = 64 * 1024, CancellationToken cancellationToken = default) =>
        ReadLog(taskId, generation, offset, maxBytes, cancellationToken);

    private async Task<TaskLogChunk?> ReadLog(string taskId, long? generation, long offset, int maxBytes, CancellationToken cancellationToken)
    {
        if (maxBytes is < 1 or > TaskLogChunk.MaxBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(maxBytes), maxBytes, $"maxBytes must be 1..{TaskLogChunk.MaxBytes}");
        }

        var status = await grains.Grain<IVGpuTaskGrain>(taskId).GetStatus().WaitAsync(cancellationToken);
        return await TaskLog.ReadAsync(grains, status, offset, maxBytes, cancellationToken, generation);
    }

    /// <summary>
    /// Follows a task's log: from <paramref name="offset"/> (negative: that many bytes before its end), each new piece as
    /// it comes (read every <see cref="OrionClientOptions.WatchPollInterval"/>) until the task has ended and its log is
    /// read to the end. A task that runs again (a new generation) is followed from its new log's start.
    /// </summary>
    public async IAsyncEnumerable<string> FollowLogAsync(string taskId, long offset = -64 * 1024, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var task = grains.Grain<IVGpuTaskGrain>(taskId);
        var (generation, next) = (-1L, offset);
        while (true)
        {
            var status = await task.GetStatus().WaitAsync(cancellationToken);
            if (status is null)
            {
                yield break;
            }

            if (status.Generation != generation)
            {
                (generation, next) = (status.Generation, generation < 0 ? offset : 0);
            }

            var piece = await TaskLog.ReadAsync(grains, status, next, TaskLogChunk.MaxBytes, cancellationToken);
            if (piece is { Text.Length: > 0 })
            {
                next = piece.Next;
                yield return piece.Text;
            }

            if (status.State.IsTerminal() && (piece is null || piece.Next >= piece.Size))
            {
                yield break;
            }

            if (piece is null || piece.Next >= piece.Size)
            {
                await Task.Delay(watchPoll, time, cancellationToken);
            }
        }
    }

    /// <summary>Cancels a task: dequeues it, or stops it and frees its capacity at once. Null when no task has this id.</summary>
    public Task<VGpuTaskStatus?> CancelAsync(string taskId, string reason = "cancelled by client", CancellationToken cancellationToken = default) =>
        grains.Grain<IVGpuTaskGrain>(taskId).Cancel(reason).WaitAsync(cancellationToken);

    /// <summary>
    /// Pauses a running task where it is, for an operator: its process stops computing (others on its card get the compute),
    /// it keeps its slice and memory, and only <see cref="ResumeAsync"/> starts it again (online work going quiet does
    /// not). Time paused counts neither against its run limit nor as running. A task that has not started (queued, in its
    /// tenant's line, backing off or blocked) is held: not queued until <see cref="ResumeAsync"/>, keeping its quota
    /// charge. Null when no task has this id.
    /// </summary>
    /// <exception cref="InvalidOperationException">
    /// It is starting, between windows or ended, its window paused it, or it has not started and is a gang's member or scheduled.
    /// </exception>
    public Task<VGpuTaskStatus?> PauseAsync(string taskId, string reason = "paused by an operator", CancellationToken cancellationToken = default) =>
        grains.Grain<IVGpuTaskGrain>(taskId).Pause(reason).WaitAsync(cancellationToken);

    /// <summary>
    /// Changes a task's priority: a queued one is queued again in its new place, one not yet queued (waiting for its quota,
    /// backing off, blocked, held, between windows) is queued under it, and a running one keeps its cards, which pause it
    /// for busy online work, bring its memory back and evict it for other work by the new priority from now. Null when no
    /// task has this id.
    /// </summary>
    /// <exception cref="InvalidOperationException">It has ended, is a gang's member, or the change is to or from Online.</exception>
    /// <exception cref="ArgumentException"><paramref name="priority"/> breaks the priority rules (a level from 0 to 1000).</exception>
    public Task<VGpuTaskStatus?> SetPriorityAsync(string taskId, TaskPriority priority, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(priority);
        return grains.Grain<IVGpuTaskGrain>(taskId).SetPriority(priority).WaitAsync(cancellationToken);
    }

    /// <summary>Lifts an operator's pause or hold (<see cref="PauseAsync"/>); a no-op for a task not so paused. Null when no task has this id.</summary>
    public Task<VGpuTaskStatus?> ResumeAsync(string taskId, CancellationToken cancellationToken = default) =>
        grains.Grain<IVGpuTaskGrain>(taskId).Resume().WaitAsync(cancellationToken);

    /// <summary>
    /// The task's status now, then each change, ending after a terminal state (Completed, Failed, Cancelled).
    /// Changes that happen between two reads may be seen as one.
    /// </summary>
    public async IAsyncEnumerable<VGpuTaskStatus> WatchAsync(string taskId, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var grain = grains.Grain<IVGpuTaskGrain>(taskId);
        var status = await grain.GetStatus().WaitAsync(cancellationToken);
        if (status is null)
        {
            yield break;
        }

        yield return status;
        while (!status.State.IsTerminal())
        {
            var next = await grain.WaitForChange(status.Version, watchPoll).WaitAsync(cancellationToken);
            if (next is not null && next.Version > status.Version)
            {
                status = next;
                yield return status;
            }
        }
    }

    /// <summary>Waits until the task reaches one of <paramref name="states"/> and returns that status.</summary>
    public async Task<VGpuTaskStatus> WaitForStateAsync(string taskId, ImmutableArray<TaskState> states, CancellationToken cancellationToken = default)
    {
        VGpuTaskStatus? last = null;
        await foreach (var s in WatchAsync(taskId, cancellationToken))
        {
            last = s;
            if (states.Contains(s.State))
            {
                return s;
            }
        }

        throw new InvalidOperationException(last is null
            ? $"task {taskId} does not exist"
            : $"task {taskId} ended {last.State} ({last.ExitReason}) without reaching {string.Join(" or ", states)}");
    }

    /// <summary>
    /// Cordons a node: it takes no new work from now on, and its tasks run on (kept in storage, so it outlives silos).
    /// Cordoning it again only changes the reason.
    /// </summary>
    /// <param name="nodeId">The node (<c>dc/node</c>), one the pool knows.</param>
    /// <param name="reason">Why (1 to 200 characters), shown with the node.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The node's snapshot, cordoned.</returns>
    /// <exception cref="ArgumentException">The pool has no such node, or the reason is blank or too long; nothing changed.</exception>
    public async Task<NodeSnapshot?> CordonAsync(string nodeId, string reason, CancellationToken cancellationToken = default)
    {
        await KnownNode(nodeId, cancellationToken);
        CheckReason(reason);
        return await grains.Grain<INodeGrain>(nodeId).Cordon(reason).WaitAsync(cancellationToken);
    }

    /// <summary>Lets a cordoned node take work again (idempotent).</summary>
    /// <exception cref="ArgumentException">The pool has no such node.</exception>
    public async Task<NodeSnapshot?> UncordonAsync(string nodeId, CancellationToken cancellationToken = default)
    {
        await KnownNode(nodeId, cancellationToken);
        return await grains.Grain<INodeGrain>(nodeId).Uncordon().WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Plans a maintenance window on a node, kept in storage. From <see cref="MaintenanceWindow.Notice"/> before its start
    /// the node takes only work whose max runtime ends before the start (so a long run does not start there only to be
    /// cut off); at the start it is cordoned, and with <see cref="MaintenanceWindow.Drain"/> its tasks are evicted as
    /// <see cref="DrainAsync(string, string, CancellationToken)"/> evicts them; at the end it takes work again. An operator's own cordon is left as it is.
    /// </summary>
    /// <param name="nodeId">The node (<c>dc/node</c>), one the pool knows.</param>
    /// <param name="window">The window: start (not in the past), 1 minute to 30 days, a reason of 1 to 150 characters.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The node's snapshot with its windows (<see cref="NodeSnapshot.Maintenance"/>).</returns>
    /// <exception cref="ArgumentException">
    /// The pool has no such node, or the window breaks a rule, overlaps another of the node's or would be its 17th; the
    /// message names the field and the rule. Nothing changed.
    /// </exception>
    public async Task<NodeSnapshot?> ScheduleMaintenanceAsync(string nodeId, MaintenanceWindow window, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(window);
        await KnownNode(nodeId, cancellationToken);
        return await Named(() => grains.Grain<INodeGrain>(nodeId).ScheduleMaintenance(window).WaitAsync(cancellationToken), nameof(window));
    }

    /// <summary>
    /// Cancels a node's maintenance window by its start. One in force ends now: the node takes work again, unless an
    /// operator changed its cordon meanwhile.
    /// </summary>
    /// <exception cref="ArgumentException">The pool has no such node, or no window of it starts at <paramref name="start"/>; nothing changed.</exception>
    public async Task<NodeSnapshot?> CancelMaintenanceAsync(string nodeId, DateTimeOffset start, CancellationToken cancellationToken = default)
    {
        await KnownNode(nodeId, cancellationToken);
        return await Named(() => grains.Grain<INodeGrain>(nodeId).CancelMaintenance(start).WaitAsync(cancellationToken), nameof(start));
    }

    /// <summary>A grain's refusal, which crosses the wire as its message alone, named again for the caller.</summary>
    private static async Task<T> Named<T>(Func<Task<T>> call, string parameter)
    {
        try
        {
            return await call();
        }
        catch (ArgumentException ex) when (ex.ParamName is null)
        {
            throw new ArgumentException(ex.Message.Split(" (Parameter")[0], parameter, ex);
        }
    }

    /// <summary>
    /// Drains a node for maintenance: cordons it, then evicts every task it holds. Each is stopped there and queued
    /// again under a new generation, to be placed elsewhere (an eviction is not a failure: restart counts are
    /// untouched). A deployment's replica moves only within its deployment's disruption budget (by default while its other
    /// replicas all serve: one at a time, so draining several nodes does not take a service down); it is left, with why (<see cref="DrainResult.Why"/>), to
    /// a later drain (or forced: the overload with force). The node stays cordoned until <see cref="UncordonAsync"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The pool has no such node, or the reason is blank or too long; nothing changed.</exception>
    public Task<DrainResult> DrainAsync(string nodeId, string reason, CancellationToken cancellationToken = default) =>
        DrainAsync(nodeId, reason, force: false, cancellationToken);

    /// <summary>As <see cref="DrainAsync(string, string, CancellationToken)"/>; <paramref name="force"/> evicts deployments' replicas whatever their budget.</summary>
    public async Task<DrainResult> DrainAsync(string nodeId, string reason, bool force, CancellationToken cancellationToken = default)
    {
        await KnownNode(nodeId, cancellationToken);
        CheckReason(reason);
        var node = grains.Grain<INodeGrain>(nodeId);
        var snapshot = await node.Cordon(reason).WaitAsync(cancellationToken);

        // After the cordon, so nothing new lands there meanwhile.
        return await Evict(nodeId, await node.ListTasks().WaitAsync(cancellationToken), reason, snapshot, force, cancellationToken);
    }

    /// <summary>
    /// Moves off a tainted node every task that does not tolerate its taints, as <see cref="DrainAsync(string, string, CancellationToken)"/> moves them all:
    /// each is stopped there and queued again under a new generation, to be placed where it may run. Tasks that tolerate
    /// the taints run on. Used after <see cref="TaintNodeAsync"/> when a node is to be kept for some work at once.
    /// </summary>
    /// <exception cref="ArgumentException">The pool has no such node.</exception>
    public async Task<DrainResult> EvictUntoleratedAsync(string nodeId, CancellationToken cancellationToken = default)
    {
        await KnownNode(nodeId, cancellationToken);
        var node = grains.Grain<INodeGrain>(nodeId);
        var snapshot = await node.GetSnapshot().WaitAsync(cancellationToken);
        if (snapshot?.Taints is not { Count: > 0 } taints)
        {
            return new DrainResult(snapshot, [], []);
        }

        // Placed after the taint, a task tolerates it: only what ran before is looked at.
        var held = await node.ListTasks().WaitAsync(cancellationToken);
        var statuses = await Task.WhenAll(held.Select(t => grains.Grain<IVGpuTaskGrain>(t.TaskId).GetStatus())).WaitAsync(cancellationToken);
        var untolerated = held.Where((_, i) => statuses[i] is { } s && !NodeTaints.Tolerates(taints, s.Spec.Constraints.Tolerations)).ToList();
        var reason = $"node {nodeId} is tainted {string.Join(", ", taints.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{t.Key}={t.Value}"))}";
        return await Evict(nodeId, untolerated, reason, snapshot, force: false, cancellationToken);
    }

    /// <summary>
    /// Cordons one card (<c>dc/node/index</c>): it takes no new work, its tasks run on, and its node's other cards work as
    /// before (a card suspected of failing, say). Kept in storage; cordoning it again only changes the reason.
    /// </summary>
    /// <param name="gpuId">The card, of a node the pool knows.</param>
    /// <param name="reason">Why (1 to 200 characters), shown with the card.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>Its node's snapshot, the card cordoned.</returns>
    /// <exception cref="ArgumentException">The pool has no such card, or the reason is blank or too long; nothing changed.</exception>
    public async Task<NodeSnapshot?> CordonCardAsync(string gpuId, string reason, CancellationToken cancellationToken = default)
    {
        var nodeId = await KnownCard(gpuId, cancellationToken);
        CheckReason(reason);
        return await grains.Grain<INodeGrain>(nodeId).CordonCard(gpuId, reason).WaitAsync(cancellationToken);
    }

    /// <summary>Lets a cordoned or drained card take work again (idempotent).</summary>
    /// <exception cref="ArgumentException">The pool has no such card.</exception>
    public async Task<NodeSnapshot?> UncordonCardAsync(string gpuId, CancellationToken cancellationToken = default)
    {
        var nodeId = await KnownCard(gpuId, cancellationToken);
        return await grains.Grain<INodeGrain>(nodeId).CordonCard(gpuId, null).WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Drains one card: cordons it, then evicts every task holding it (a task on several cards with it too), as
    /// <see cref="DrainAsync(string, string, CancellationToken)"/> does for a node; the node's other cards and their tasks are left alone.
    /// </summary>
    /// <exception cref="ArgumentException">The pool has no such card, or the reason is blank or too long; nothing changed.</exception>
    public Task<DrainResult> DrainCardAsync(string gpuId, string reason, CancellationToken cancellationToken = default) =>
        DrainCardAsync(gpuId, reason, force: false, cancellationToken);

    /// <summary>As <see cref="DrainCardAsync(string, string, CancellationToken)"/>; <paramref name="force"/> evicts deployments' replicas whatever their budget.</summary>
    public async Task<DrainResult> DrainCardAsync(string gpuId, string reason, bool force, CancellationToken cancellationToken = default)
    {
        var nodeId = await KnownCard(gpuId, cancellationToken);
        CheckReason(reason);
        var snapshot = await grains.Grain<INodeGrain>(nodeId).CordonCard(gpuId, reason).WaitAsync(cancellationToken);
        var card = snapshot?.Gpus.FirstOrDefault(g => g.Device.GpuId == gpuId);
        var held = card is null ? [] : card.Slices.Select(s => new RunningTask(s.TaskId, s.Generation)).Distinct().ToList();
        return await Evict(nodeId, held, $"card {gpuId} is drained: {reason}", snapshot, force, cancellationToken);
    }

    /// <summary>The node of a card the pool knows, or an error naming the card.</summary>
    private async Task<string> KnownCard(string gpuId, CancellationToken cancellationToken)
    {
        var nodeId = gpuId?.Count(c => c == '/') == 2 ? GrainKeys.NodeOfGpu(gpuId) : null;
        if (nodeId is null || !(await grains.Grain<IPoolGrain>(GrainKeys.Pool).GetNodes().WaitAsync(cancellationToken)).Contains(nodeId)
            || (await grains.Grain<INodeGrain>(nodeId).GetSnapshot().WaitAsync(cancellationToken))?.Gpus.Any(g => g.Device.GpuId == gpuId) != true)
        {
            throw new ArgumentException($"gpuId must be a card of the pool (dc/node/index); '{gpuId}' is not one", nameof(gpuId));
        }

        return nodeId;
    }

    /// <summary>
    /// Moves <paramref name="held"/> off the node (each task stops and queues itself again; a deployment's replica only
    /// within its deployment's budget unless <paramref name="force"/>) and says what moved and why the rest did not.
    /// </summary>
    private async Task<DrainResult> Evict(string nodeId, IReadOnlyList<RunningTask> held, string reason, NodeSnapshot? before, bool force, CancellationToken cancellationToken)
    {
        // Each task stops and re-queues itself (the node's own calls to it would wait on the node).
        var node = grains.Grain<INodeGrain>(nodeId);
        var answers = await Task.WhenAll(held.Select(async t => force
            ? await grains.Grain<IVGpuTaskGrain>(t.TaskId).Evict(t.Generation, nodeId, reason) ? null : "not started there yet"
            : await grains.Grain<IVGpuTaskGrain>(t.TaskId).Move(t.Generation, nodeId, reason))).WaitAsync(cancellationToken);

        // Not moved: ended meanwhile (gone from the node), or still there (placed an instant before and not started, or a
        // replica its deployment keeps serving).
        var still = (await node.ListTasks().WaitAsync(cancellationToken)).ToHashSet();
        var left = held.Select((t, i) => (Task: t, Why: answers[i])).Where(a => a.Why is not null && still.Contains(a.Task)).ToList();
        return new DrainResult(
            await node.GetSnapshot().WaitAsync(cancellationToken) ?? before,
            [.. held.Where((_, i) => answers[i] is null).Select(t => t.TaskId)],
            [.. left.Select(a => a.Task.TaskId)],
            left.Count == 0 ? null : left.ToImmutableDictionary(a => a.Task.TaskId, a => a.Why!, StringComparer.Ordinal));
    }

    /// <summary>
    /// Sets or removes labels on a node live, over the labels its daemon gives (<c>--label</c>), kept in storage so they
    /// outlive silos; node selectors and spread groups' topology keys read them from the next placement on.
    /// </summary>
    /// <param name="nodeId">The node (<c>dc/node</c>), one the pool knows.</param>
    /// <param name="change">Labels to set, and keys of labels set this way to remove (<see cref="NodeMarks.Parse"/> reads <c>key=value</c> and <c>key-</c>).</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The node's snapshot, its labels changed.</returns>
    /// <exception cref="ArgumentException">
    /// The pool has no such node; a key or value breaks a rule; a key to remove is the daemon's; or the node would have
    /// more than 32 labels. Nothing changed.
    /// </exception>
    public Task<NodeSnapshot?> LabelNodeAsync(string nodeId, NodeMarks change, CancellationToken cancellationToken = default) =>
        MarkNode(nodeId, change, taints: false, cancellationToken);

    /// <summary>
    /// Sets or removes taints on a node live, beside the taints its daemon gives (<c>--taint</c>), kept in storage: from
    /// the next placement on, only tasks that tolerate them all are placed there. Tasks running there run on.
    /// </summary>
    /// <param name="nodeId">The node (<c>dc/node</c>), one the pool knows.</param>
    /// <param name="change">Taints to set, and keys of taints set this way to remove.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The node's snapshot, its taints changed.</returns>
    /// <exception cref="ArgumentException">As <see cref="LabelNodeAsync"/>, for taints.</exception>
    public Task<NodeSnapshot?> TaintNodeAsync(string nodeId, NodeMarks change, CancellationToken cancellationToken = default) =>
        MarkNode(nodeId, change, taints: true, cancellationToken);

    private async Task<NodeSnapshot?> MarkNode(string nodeId, NodeMarks change, bool taints, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        await KnownNode(nodeId, cancellationToken);
        if ((taints ? NodeTaints.Check(change.Set, "taints") : NodeLabels.Check(change.Set, "labels")) is { IsEmpty: false } broken)
        {
            throw new ArgumentException(string.Join("; ", broken.Select(b => $"{b.Field} {b.Rule}")), nameof(change));
        }

        return await Named(() => grains.Grain<INodeGrain>(nodeId).Mark(change, taints).WaitAsync(cancellationToken), nameof(change));
    }

    private async Task KnownNode(string nodeId, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(nodeId) || !(await grains.Grain<IPoolGrain>(GrainKeys.Pool).GetNodes().WaitAsync(cancellationToken)).Contains(nodeId))
        {
            throw new ArgumentException($"nodeId must be a node of the pool (dc/node); '{nodeId}' is not one", nameof(nodeId));
        }
    }

    private static void CheckReason(string reason)
    {
        if (!CordonReason.IsValid(reason))
        {
            throw new ArgumentException($"reason {CordonReason.Rule}", nameof(reason));
        }
    }

    /// <summary>
    /// Sets a tenant's quota: the most its live tasks may ask together. A task that would pass a limit waits in the
    /// tenant's line (Pending, with <see cref="VGpuTaskStatus.QuotaWait"/> naming the limit) until tasks of the tenant end;
    /// one that asked to fail rather than wait (<see cref="PlacementConstraints.FailIfUnplaceable"/>), or asks more than
    /// the whole quota, is refused (<see cref="SpecValidationException"/> naming the limit) and leaves no task. Tasks
    /// already live run on when a limit is lowered; a raised or removed quota admits the line at once. The tenant's live
    /// tasks count from the moment it first gets a quota. Its <see cref="TenantQuota.Weight"/> weighs it in the schedulers'
    /// fair sharing (a weight alone limits nothing). Null, or a quota with neither a limit nor a weight, removes it.
    /// </summary>
    /// <param name="tenant">The tenant (1 to 100 characters).</param>
    /// <param name="quota">The limits and the weight; a null limit is no limit, a null weight is 1.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The quota in force and what the tenant's live tasks ask.</returns>
    /// <exception cref="ArgumentException">The tenant's name or a limit breaks its rule (the message names it); nothing changed.</exception>
    public Task<TenantUsage> SetQuotaAsync(string tenant, TenantQuota? quota, CancellationToken cancellationToken = default)
    {
        CheckTenant(tenant);
        if (quota?.Validate() is { IsEmpty: false } errors)
        {
            throw new ArgumentException(string.Join("; ", errors), nameof(quota));
        }

        return grains.Grain<ITenantGrain>(tenant).SetQuota(quota).WaitAsync(cancellationToken);
    }

    /// <summary>A tenant's quota (null when it has none) and what its live tasks ask of the pool.</summary>
    /// <exception cref="ArgumentException">The tenant's name is blank or longer than 100 characters.</exception>
    public Task<TenantUsage> GetTenantAsync(string tenant, CancellationToken cancellationToken = default)
    {
        CheckTenant(tenant);
        return grains.Grain<ITenantGrain>(tenant).GetUsage().WaitAsync(cancellationToken);
    }

    /// <summary>The pool's live settings: the placement policy and the oversubscription every silo uses.</summary>
    public Task<PoolSettings> GetSettingsAsync(CancellationToken cancellationToken = default) =>
        grains.Grain<IPoolSettingsGrain>(GrainKeys.Pool).Get().WaitAsync(cancellationToken);

    /// <summary>
    /// Changes the pool's settings for every silo (null: unchanged). Schedulers use a new policy from their next round
    /// (within <c>Orion:Pool:SettingsMaxAge</c>, 1 s); each node's cards take a new capacity at its next heartbeat. Work
    /// already placed stays where it is, also on a card that a lower oversubscription leaves holding more than it would
    /// now take; such a card takes nothing new until enough ends.
    /// </summary>
    /// <param name="policy">The placement policy: fragmentation, best-fit, gpu-packing, spread, dot-product or random.</param>
    /// <param name="computeOversubscription">Allocatable compute per card as a multiple of the card, 1 to 100.</param>
    /// <param name="memoryOversubscription">Allocatable GPU memory per card as a multiple of the device, 1 to 100.</param>
    /// <param name="evictLowerPriority">Whether a higher-class task that fits nowhere evicts running lower-class work (it queues again).</param>
    /// <param name="consolidate">
    /// Whether a task that fits nowhere, the free room being scattered over nodes, has running offline work moved to other
    /// nodes where it fits now (their runs start again there) so that one node has room for it.
    /// </param>
    /// <param name="fairShareHalfLife">
    /// Fair sharing by usage history: what each tenant held in the past counts beside what it holds now, weighing half as
    /// much per this span of age (1 h to 30 d), so a team that has had much of the pool lately yields to one that has had
    /// little; <see cref="TimeSpan.Zero"/>: off (only what tenants hold now counts).
    /// </param>
    /// <param name="fairShareEviction">
    /// Whether a task that fits nowhere evicts running offline work of other tenants holding more than their fair share
    /// (they still hold at least as much as its tenant once it runs, over their weights); the evicted tasks queue again.
    /// </param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The settings now in force.</returns>
    /// <exception cref="ArgumentException">A value breaks its rule (the message names it); nothing changed.</exception>
    public Task<PoolSettings> UpdateSettingsAsync(
        string? policy = null, double? computeOversubscription = null, double? memoryOversubscription = null, bool? evictLowerPriority = null,
        bool? consolidate = null, TimeSpan? fairShareHalfLife = null, bool? fairShareEviction = null, CancellationToken cancellationToken = default)
    {
        var errors = PoolSettingsRules.Check(policy, computeOversubscription, memoryOversubscription, fairShareHalfLife);
        if (!errors.IsEmpty)
        {
            throw new ArgumentException(string.Join("; ", errors), errors[0].Field);
        }

        return grains.Grain<IPoolSettingsGrain>(GrainKeys.Pool)
            .Update(policy, computeOversubscription, memoryOversubscription, evictLowerPriority, consolidate, fairShareHalfLife, fairShareEviction).WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Sets the quota of every tenant without limits of its own, for every silo at once (null: none, such tenants are
    /// unbounded); each tenant keeps its own weight. A tenant takes it at its next submit or read, within
    /// <c>Orion:Pool:SettingsMaxAge</c> (1 s), as if its own quota had changed: a raise admits whoever waits and fits, a
    /// cut fails whoever waits and could never fit, and running work runs on. Until set here, the silos'
    /// <c>Orion:Pool:DefaultQuota</c> stands; <see cref="PoolSettings.DefaultQuota"/> shows the one in force.
    /// </summary>
    /// <param name="quota">The limits (a null limit is no limit); no weight.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The settings now in force.</returns>
    /// <exception cref="ArgumentException">A limit breaks its rule, or a weight is given (the message names it); nothing changed.</exception>
    public Task<PoolSettings> SetDefaultQuotaAsync(TenantQuota? quota, CancellationToken cancellationToken = default)
    {
        var errors = PoolSettingsRules.CheckDefaultQuota(quota);
        if (!errors.IsEmpty)
        {
            throw new ArgumentException(string.Join("; ", errors), errors[0].Field);
        }

        return grains.Grain<IPoolSettingsGrain>(GrainKeys.Pool).SetDefaultQuota(quota).WaitAsync(cancellationToken);
    }

    /// <summary>Every tenant that has a quota: its limits, what its live tasks ask and how many wait, by name.</summary>
    public async Task<IReadOnlyList<TenantUsage>> ListQuotasAsync(CancellationToken cancellationToken = default)
    {
        var tenants = await grains.Grain<ITenantDirectoryGrain>(GrainKeys.Pool).List().WaitAsync(cancellationToken);
        return await Task.WhenAll(tenants.Select(t => grains.Grain<ITenantGrain>(t).GetUsage())).WaitAsync(cancellationToken);
    }

    /// <summary>
    /// What each tenant's tasks held from <paramref name="from"/> to <paramref name="to"/> (UTC days, both included), for
    /// showback and chargeback: compute in card-hours and GPU memory in GiB-hours, from placement until the capacity was let
    /// go (time paused on a card counts: the slice was held). Runs under way count up to now. Every tenant whose tasks have
    /// reported usage, or only <paramref name="tenant"/>; tenants with nothing in the span are left out.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// <paramref name="to"/> is before <paramref name="from"/>, the span is longer than <see cref="TenantConsumption.MaxDays"/>
    /// days, or <paramref name="tenant"/> breaks <see cref="TenantName.Rule"/>.
    /// </exception>
    public async Task<IReadOnlyList<TenantConsumption>> GetConsumptionAsync(DateOnly from, DateOnly to, string? tenant = null, CancellationToken cancellationToken = default) =>
        await GetConsumptionAsync(from, to, tenant, byLabel: null, cancellationToken);

    /// <summary>
    /// As <see cref="GetConsumptionAsync(DateOnly, DateOnly, string?, CancellationToken)"/>, and with <paramref name="byLabel"/>
    /// each tenant's usage split by the value of that label of its tasks (<see cref="TaskSpec.Labels"/>: a project, a team,
    /// a sweep), one row per value and one for its tasks without the label (<see cref="TenantConsumption.Label"/>). Only what
    /// ran since labels were metered (this build) is split; earlier usage counts as without the label.
    /// </summary>
    /// <exception cref="ArgumentException">The span, the tenant or the label's key breaks its rule.</exception>
    public Task<IReadOnlyList<TenantConsumption>> GetConsumptionAsync(DateOnly from, DateOnly to, string? tenant, string? byLabel, CancellationToken cancellationToken = default) =>
        GetConsumptionAsync(from, to, tenant, byLabel, byDataCenter: false, cancellationToken);

    /// <summary>
    /// As <see cref="GetConsumptionAsync(DateOnly, DateOnly, string?, CancellationToken)"/>, with each tenant's usage split by
    /// the data centre its runs were in (<see cref="TenantConsumption.DataCenter"/>), for chargeback by site; what was metered
    /// before usage reports named their data centre (an earlier build) is a row of its own with the data centre empty.
    /// </summary>
    /// <exception cref="ArgumentException">The span or the tenant breaks its rule.</exception>
    public Task<IReadOnlyList<TenantConsumption>> GetConsumptionByDataCenterAsync(DateOnly from, DateOnly to, string? tenant = null, CancellationToken cancellationToken = default) =>
        GetConsumptionAsync(from, to, tenant, byLabel: null, byDataCenter: true, cancellationToken);

    private async Task<IReadOnlyList<TenantConsumption>> GetConsumptionAsync(DateOnly from, DateOnly to, string? tenant, string? byLabel, bool byDataCenter, CancellationToken cancellationToken)
    {
        if (byLabel is not null && !NodeLabels.IsValidKey(byLabel))
        {
            throw new ArgumentException($"byLabel '{byLabel}' {NodeLabels.KeyRule}", nameof(byLabel));
        }

        if (to < from)
        {
            throw new ArgumentException($"to ({to:yyyy-MM-dd}) must not be before from ({from:yyyy-MM-dd})", nameof(to));
        }

        if (to.DayNumber - from.DayNumber + 1 > TenantConsumption.MaxDays)
        {
            throw new ArgumentException($"to: the span must be at most {TenantConsumption.MaxDays} days", nameof(to));
        }

        if (tenant is not null)
        {
            CheckTenant(tenant);
        }

        var now = time.GetUtcNow();
        var live = (await Task.WhenAll(new[] { TaskState.Placing, TaskState.Running, TaskState.Suspended }
                .Select(state => ListAsync(new TaskQuery(Tenant: tenant, State: state, Limit: int.MaxValue), cancellationToken))))
            .SelectMany(l => l).ToLookup(t => t.Spec.Tenant, StringComparer.Ordinal);
        var tenants = tenant is not null
            ? [tenant]
            : (await grains.Grain<ITenantDirectoryGrain>(GrainKeys.Pool).ListMetered().WaitAsync(cancellationToken)).Union(live.Select(g => g.Key), StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var all = await Task.WhenAll(tenants.Select(async t => (byLabel, byDataCenter) switch
            {
                (not null, _) => TenantConsumption.ByLabel(t, from, to, await grains.Grain<ITenantMeterGrain>(t).ReadByLabel(from, to, byLabel), [.. live[t]], now, byLabel).ToArray(),
                (null, true) => TenantConsumption.ByDataCenter(t, from, to, await grains.Grain<ITenantMeterGrain>(t).ReadByDataCenter(from, to), [.. live[t]], now).ToArray(),
                _ => [TenantConsumption.Of(t, from, to, await grains.Grain<ITenantMeterGrain>(t).Read(from, to), live[t], now)],
            }))
            .WaitAsync(cancellationToken);

        // Sums of doubles less sums of doubles: a tenant's rest within rounding of nothing is nothing.
        return [.. all.SelectMany(c => c).Where(c => c.Runs > 0 || c.RunningNow > 0 || c.CardHours > 1e-9 || c.GpuMemoryGiBHours > 1e-9)];
    }

    private static void CheckTenant(string tenant)
    {
        if (!TenantName.IsValid(tenant))
        {
            throw new ArgumentException($"tenant {TenantName.Rule}", nameof(tenant));
        }
    }

    /// <summary>A node's capacity, allocations and cards as its grain holds them, or null when no daemon ever registered it.</summary>
    public Task<NodeSnapshot?> GetNodeAsync(string nodeId, CancellationToken cancellationToken = default) =>
        grains.Grain<INodeGrain>(nodeId).GetSnapshot().WaitAsync(cancellationToken);

    /// <summary>
    /// The data centres' schedulers summed (queues in turn, counts added), with each one's own snapshot (its queue, nodes,
    /// placements and the silo it lives on) under <see cref="SchedulerSnapshot.DataCenters"/>.
    /// </summary>
    public Task<SchedulerSnapshot> GetSchedulersAsync(CancellationToken cancellationToken = default) =>
        grains.Grain<IPoolGrain>(GrainKeys.Pool).GetSchedulerSnapshot().WaitAsync(cancellationToken);

    /// <summary>
    /// The pool's feed of events (placements, preemptions, swaps, quota decisions, evictions) after
    /// <paramref name="afterSequence"/>, oldest first: the newest <paramref name="max"/> of them. The feed keeps the newest
    /// <see cref="PoolEvent.FeedCapacity"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="afterSequence"/> is negative, or <paramref name="max"/> is not 1..<see cref="PoolEvent.FeedCapacity"/>.</exception>
    public Task<ImmutableArray<PoolEvent>> GetEventsAsync(long afterSequence = 0, int max = 100, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(afterSequence);
        if (max is < 1 or > PoolEvent.FeedCapacity)
        {
            throw new ArgumentOutOfRangeException(nameof(max), max, $"max must be 1..{PoolEvent.FeedCapacity}");
        }

        return grains.Grain<IPoolEventsGrain>(GrainKeys.Pool).Since(afterSequence, max).WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Follows the feed: each event after <paramref name="afterSequence"/> as it comes (read every
    /// <see cref="OrionClientOptions.WatchPollInterval"/>), until cancelled. More events than the feed keeps between two
    /// reads, or a feed started again, show as a jump in <see cref="PoolEvent.Sequence"/>.
    /// </summary>
    public async IAsyncEnumerable<PoolEvent> WatchEventsAsync(long afterSequence = 0, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(afterSequence);
        var feed = grains.Grain<IPoolEventsGrain>(GrainKeys.Pool);
        var after = afterSequence;
        while (true)
        {
            foreach (var e in await feed.Since(after, PoolEvent.FeedCapacity).WaitAsync(cancellationToken))
            {
                yield return e;
                after = e.Sequence;
            }

            await Task.Delay(watchPoll, time, cancellationToken);
        }
    }

    /// <summary>
    /// The whole pool now: nodes with each card's own snapshot (paused and swapped tasks included), the task
    /// catalogue, the queue and the newest <paramref name="events"/> of the feed.
    /// </summary>
    public async Task<PoolSummary> GetPoolAsync(int events = 50, CancellationToken cancellationToken = default)
    {
        var nodeIds = await grains.Grain<IPoolGrain>(GrainKeys.Pool).GetNodes().WaitAsync(cancellationToken);
        var nodesTask = Task.WhenAll(nodeIds.Select(ReadNodeAsync));
        var tasksTask = grains.Grain<ITaskCatalogGrain>(GrainKeys.Pool).List(new TaskQuery(Limit: 10_000));
        var schedulerTask = grains.Grain<IPoolGrain>(GrainKeys.Pool).GetSchedulerSnapshot();
        var eventsTask = grains.Grain<IPoolEventsGrain>(GrainKeys.Pool).Since(0, events);
        var tenantsTask = ListQuotasAsync(cancellationToken);
        var settingsTask = grains.Grain<IPoolSettingsGrain>(GrainKeys.Pool).Get();
        var deploymentsTask = ListDeploymentsAsync(cancellationToken);
        await Task.WhenAll(nodesTask, tasksTask, schedulerTask, eventsTask, tenantsTask, settingsTask, deploymentsTask).WaitAsync(cancellationToken);
        var now = time.GetUtcNow();
        var history = (await settingsTask).FairShareHalfLife is { } halfLife ? await ReadHistoryAsync(now, halfLife, cancellationToken) : null;
        return PoolSummarizer.Summarize(
            now, await schedulerTask, (await nodesTask).OfType<NodeSnapshot>(), await tasksTask, await eventsTask, await tenantsTask, await settingsTask, history)
            with { Deployments = [.. (await deploymentsTask).Select(DeploymentSummary.Of)] };
    }

    // Every metered tenant's days that fair sharing by usage history counts at now; read again once a copy is a minute old
    // (real time), as schedulers do, since dashboards ask for the pool every second.
    private async Task<IReadOnlyDictionary<string, ImmutableArray<UsageDay>>> ReadHistoryAsync(DateTimeOffset now, TimeSpan halfLife, CancellationToken cancellationToken)
    {
        var (from, to) = (FairShare.HistoryStart(now, halfLife), DateOnly.FromDateTime(now.UtcDateTime));
        if (Volatile.Read(ref history) is { } copy && copy.From == from && copy.To == to && Stopwatch.GetElapsedTime(copy.At) < HistoryMaxAge)
        {
            return copy.Days;
        }

        var at = Stopwatch.GetTimestamp();
        var tenants = await grains.Grain<ITenantDirectoryGrain>(GrainKeys.Pool).ListMetered().WaitAsync(cancellationToken);
        var read = await Task.WhenAll(tenants.Select(async t => (Tenant: t, (await grains.Grain<ITenantMeterGrain>(t).Read(from, to)).Days))).WaitAsync(cancellationToken);
        var days = read.ToDictionary(r => r.Tenant, r => r.Days, StringComparer.Ordinal);
        Volatile.Write(ref history, new HistoryCopy(from, to, at, days));
        return days;
    }

    private static readonly TimeSpan HistoryMaxAge = TimeSpan.FromMinutes(1);

    // The last read of the tenants' usage history, for the pool view.
    private HistoryCopy? history;

    private sealed record HistoryCopy(DateOnly From, DateOnly To, long At, IReadOnlyDictionary<string, ImmutableArray<UsageDay>> Days);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (ownedHost is not null)
        {
            await ownedHost.StopAsync();
            await DisposeHostAsync(ownedHost);
        }
    }

    // The Orleans client's services dispose asynchronously; a sync Dispose may block on them or throw.
    private static async ValueTask DisposeHostAsync(IHost host)
    {
        if (host is IAsyncDisposable async)
        {
            await async.DisposeAsync();
        }
        else
        {
            host.Dispose();
        }
    }

    private static TimeSpan CheckWatchPoll(TimeSpan interval, string name) =>
        interval > TimeSpan.Zero && interval < ResponseTimeout
            ? interval
            : throw new ArgumentOutOfRangeException(name, interval, $"{name} must be above 0 and below {ResponseTimeout.TotalSeconds:0} s (the Orleans response timeout: a longer long-poll times out)");

    // Every entry before any is sent: a bad one found half-way would leave the batch half submitted.
    private static ImmutableArray<ValidationError> CheckSubmissions(IReadOnlyList<TaskSubmission> tasks)
    {
        var errors = ImmutableArray.CreateBuilder<ValidationError>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var gangs = new Dictionary<(string Tenant, string Name), (int Index, int Size, int Count)>();
        for (var i = 0; i < tasks.Count; i++)
        {
            if (tasks[i] is not { } t)
            {
                errors.Add(new($"tasks[{i}]", "is required"));
                continue;
            }

            if (t.TaskId is not null)
            {
                if (!TaskIdFormat.IsValid(t.TaskId))
                {
                    errors.Add(new($"tasks[{i}].taskId", TaskIdFormat.RuleOrNull));
                }
                else if (!seen.TryAdd(t.TaskId, i))
                {
                    errors.Add(new($"tasks[{i}].taskId", $"must be unique in the batch ('{t.TaskId}' is also tasks[{seen[t.TaskId]}].taskId)"));
                }
            }

            errors.AddRange(SpecValidator.Validate(t.Spec).Select(e => e with { Field = $"tasks[{i}].{e.Field}" }));
            if (t.Spec is { Gang: { } gang, Tenant: { } tenant })
            {
                // Members submitted together must describe one gang, or it could never be complete.
                var key = (tenant, gang.Name);
                if (!gangs.TryGetValue(key, out var first))
                {
                    gangs[key] = (i, gang.Size, 1);
                }
                else if (gang.Size != first.Size)
                {
                    errors.Add(new($"tasks[{i}].gang.size", $"must equal the size of the same gang in tasks[{first.Index}] ({first.Size})"));
                }
                else
                {
                    gangs[key] = first with { Count = first.Count + 1 };
                    if (first.Count + 1 > first.Size)
                    {
                        errors.Add(new($"tasks[{i}].gang", $"is one member more than the gang's size ({first.Size}) in the batch"));
                    }
                }
            }
        }

        return errors.ToImmutable();
    }

    // The node's copy of its cards lags pauses and swaps; each card's own snapshot is the truth.
    private async Task<NodeSnapshot?> ReadNodeAsync(string nodeId)
    {
        var node = await grains.Grain<INodeGrain>(nodeId).GetSnapshot();
        if (node is null)
        {
            return null;
        }

        var cards = await Task.WhenAll(node.Gpus.Select(g => grains.Grain<IGpuGrain>(g.Device.GpuId).GetSnapshot()));
        return node with { Gpus = [.. cards.Select((c, i) => c ?? node.Gpus[i])] };
    }

    private static string NewTaskId() => "t-" + Guid.NewGuid().ToString("N")[..16];
}
