using System.Collections.Immutable;
using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using Orion.Client;
using Orion.Client.Monitoring;
using Orion.Contracts;
using Spectre.Console;

namespace Orion.Cli;

/// <summary>
/// The <c>orion</c> command line: submit, ls, get, cancel, watch, nodes, gpus, top. Every failure is one line on
/// stderr (<c>orion: reason</c>) and an exit code from <see cref="ExitCodes"/>.
/// </summary>
public sealed class OrionCli(TextWriter output, TextWriter error)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    // How long a signalled command may take to end (its last read of a waited-for task, closing the connection).
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(5);

    private readonly Option<string> gateway = new("--gateway", "-g")
    {
        Description = "A silo's gateway, host:port (default: $ORION_GATEWAY or localhost:30000)",
        Recursive = true,
    };

    private readonly Option<int> timeout = new("--timeout")
    {
        Description = "Seconds to wait for the cluster to answer",
        DefaultValueFactory = _ => 15,
        Recursive = true,
    };

    private readonly Option<string> token = new("--token")
    {
        Description = "The access token, when the pool requires one (default: $ORION_TOKEN)",
        Recursive = true,
    };

    private readonly Option<string?> clusterId = new("--cluster-id")
    {
        Description = "The cluster's id, when its silos set Orion:Silo:ClusterId (default: $ORION_CLUSTER_ID, else orion)",
        Recursive = true,
    };

    private readonly Option<bool> tls = new("--tls") { Description = "Connect over TLS (silos with Orion:Tls:Certificate), trusting the machine's certificate store", Recursive = true };

    private readonly Option<string?> tlsTrust = new("--tls-trust")
    {
        Description = "Connect over TLS, trusting this certificate file (the cluster's own, or its authority's; PEM or DER; default: $ORION_TLS_TRUST)",
        Recursive = true,
    };

    private readonly Option<string?> tlsCert = new("--tls-cert")
    {
        Description = "Connect over TLS presenting this certificate, to silos that require one (Orion:Tls:ClientTrust): PEM with --tls-key, or PKCS#12 without a password (default: $ORION_TLS_CERT)",
        Recursive = true,
    };

    private readonly Option<string?> tlsKey = new("--tls-key")
    {
        Description = "The PEM private key of --tls-cert (default: $ORION_TLS_KEY)",
        Recursive = true,
    };

    private readonly Option<bool> json = new("--json") { Description = "Print JSON instead of a table", Recursive = true };

    private IAnsiConsole Console => field ??= CreateConsole(output);

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken = default)
    {
        var root = BuildRoot();
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            // The most telling error first: an unknown word explains a "required command" complaint.
            var first = parse.Errors.OrderBy(e => e.Message.StartsWith("Unrecognized", StringComparison.Ordinal) ? 0 : 1).First().Message;
            await error.WriteLineAsync("orion: " + System.Text.RegularExpressions.Regex.Replace(first, @"System\.Nullable`1\[System\.(\w+)\]|System\.(\w+)", "$1$2"));
            return ExitCodes.BadInput;
        }

        // Ctrl+C and SIGTERM cancel this token, not System.CommandLine's own (whose cancellation escaped as an unhandled
        // TaskCanceledException), so the command ends with its own line and code. Every signal is taken: `timeout` and a
        // terminal may deliver one twice.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop(stop));
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop(stop));
        try
        {
            var configuration = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null };
            return await EndedOrLeft(parse.InvokeAsync(configuration, stop.Token), stop.Token);
        }
        catch (CliException ex)
        {
            await error.WriteLineAsync("orion: " + ex.Message);
            return ex.ExitCode;
        }
        catch (SpecValidationException ex)
        {
            await error.WriteLineAsync("orion: " + ex.Message);
            return ExitCodes.Failed;
        }
        catch (UnauthorizedAccessException ex)
        {
            await error.WriteLineAsync("orion: access denied: " + OneLine(ex.Message));
            return ExitCodes.Failed;
        }
        catch (CallRateExceededException ex)
        {
            await error.WriteLineAsync("orion: " + OneLine(ex.Message));
            return ExitCodes.Failed;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // watch and top end this way as intended (they return Ok themselves); anything else did not finish.
            return ExitCodes.Interrupted;
        }
        catch (Exception ex) when (IsUnreachable(ex))
        {
            await error.WriteLineAsync("orion: cannot reach the cluster: " + OneLine(ex.Message));
            return ExitCodes.Unreachable;
        }
    }

    private static Action<PosixSignalContext> Stop(CancellationTokenSource stop) => signal =>
    {
        signal.Cancel = true;
        stop.Cancel();
    };

    /// <summary>The command's exit code; a command still running <see cref="StopGrace"/> after a signal is left behind, so the process ends.</summary>
    private static async Task<int> EndedOrLeft(Task<int> command, CancellationToken stop)
    {
        var signalled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (stop.Register(() => signalled.TrySetResult()))
        {
            if (await Task.WhenAny(command, signalled.Task) != command)
            {
                await Task.WhenAny(command, Task.Delay(StopGrace));
            }
        }

        return command.IsCompleted ? await command : ExitCodes.Interrupted;
    }

    private RootCommand BuildRoot()
    {
        var root = new RootCommand("orion: submit, inspect and watch vGPU tasks on an Orion pool") { gateway, clusterId, timeout, token, tls, tlsTrust, tlsCert, tlsKey, json };
        root.Add(SubmitCommand());
        root.Add(ListCommand());
        root.Add(GetCommand());
        root.Add(CancelCommand());
        root.Add(PauseCommand(resume: false));
        root.Add(PauseCommand(resume: true));
        root.Add(PriorityCommand());
        root.Add(WatchCommand());
        root.Add(PoolCommand("nodes", "Nodes: host CPU and memory, cards, GPU use", p => Views.Nodes(p.Nodes), p => p.Nodes));
        root.Add(PoolCommand("gpus", "Cards: compute allocated and in use, memory on device and host, tasks", p => Views.Gpus(p.Cards), p => p.Cards));
        root.Add(PoolCommand("shares", "Fair share: what each tenant holds of the pool, its weight, its share over its weight (least goes next), queued tasks",
            p => Views.Shares(p.Shares.IsDefault ? [] : p.Shares), p => p.Shares));
        root.Add(TopCommand());
        root.Add(EventsCommand());
        root.Add(LogsCommand());
        root.Add(CordonCommand("cordon", "Cordon a node or one card: it takes no new work, its tasks run on", drain: false));
        root.Add(CordonCommand("drain", "Drain a node or one card: cordon it, and move every task on it elsewhere", drain: true));
        root.Add(UncordonCommand());
        root.Add(MaintenanceCommand());
        root.Add(MarkCommand("label", taints: false));
        root.Add(MarkCommand("taint", taints: true));
        root.Add(QuotaCommand());
        root.Add(UsageCommand());
        root.Add(ConfigCommand());
        root.Add(DeployCommand());
        root.Add(ScaleCommand());
        root.Add(RollBackCommand());
        root.Add(RolloutCommand());
        root.Add(DeploymentsCommand());
        root.Add(UndeployCommand());
        var tokens = TokenCommand.Build(output, json);
        tokens.Add(TokenIssueCommand());
        tokens.Add(TokenListCommand());
        tokens.Add(TokenRevokeCommand());
        tokens.Add(TokenRotateCommand());
        root.Add(tokens);
        root.Add(WhoAmICommand());
        return root;
    }

    private Command SubmitCommand()
    {
        var id = new Option<string?>("--id") { Description = "The task id (default: a new one)" };
        TaskIdRule(id.Validators, "--id");
        var count = new Option<int>("--count") { Description = "Submit a job array of this many tasks of the spec (ids ID-0, ID-1, ... with --id)", DefaultValueFactory = _ => 1 };
        count.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > MaxArray)
            {
                r.AddError($"--count: must be 1 to {MaxArray}");
            }
        });
        var gang = new Option<bool>("--gang")
        {
            Description = "The job array (--count) is one gang, named after --id: placed all together or not at all, and a member that fails or is cancelled ends the rest",
        };
        var dryRun = new Option<bool>("--dry-run")
        {
            Description = "Submit nothing: say what would happen now (its quota's answer, the tasks it runs after, the node and cards each data centre would choose, or why none takes it); exit 0 if it would run at once, 1 if not",
        };
        var wait = new Option<bool>("--wait", "-w") { Description = "Wait until the task runs (or ends) before returning" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Print only the task id" };
        var specOptions = new SpecOptions();
        var command = new Command("submit", "Submit a task from flags or a spec file") { id, count, gang, dryRun, wait, quiet };
        foreach (var option in specOptions.All)
        {
            command.Add(option);
        }

        command.SetAction(async (r, ct) =>
        {
            var (spec, taskSpec) = await specOptions.ReadAsync(r, r.GetValue(id), ct);
            if (spec.Deployment is not null)
            {
                throw new CliException("deployment: applies to orion deploy only (a task submitted once has no replicas)", ExitCodes.BadInput);
            }

            var arrayId = spec.Id;
            if (r.GetValue(gang))
            {
                if (r.GetValue(count) < 2)
                {
                    throw new CliException("--gang: needs a job array of at least 2 tasks (--count)", ExitCodes.BadInput);
                }

                // Named after the array's id prefix, so its members are PREFIX-0, PREFIX-1, ... of gang PREFIX.
                arrayId ??= NewArrayPrefix();
                taskSpec = taskSpec with { Gang = new GangSpec(arrayId, r.GetValue(count)) };
            }

            var local = SpecValidator.Validate(taskSpec);
            if (!local.IsEmpty)
            {
                throw new CliException("the task spec was rejected: " + string.Join("; ", local), ExitCodes.BadInput);
            }

            if (r.GetValue(dryRun))
            {
                if (r.GetValue(wait))
                {
                    throw new CliException("--wait: a dry run submits nothing to wait for", ExitCodes.BadInput);
                }

                await using var previewer = await ConnectAsync(r, ct);
                var preview = await Answer(r, previewer.PreviewAsync(taskSpec, r.GetValue(count), ct));
                if (r.GetValue(json))
                {
                    await output.WriteLineAsync(JsonSerializer.Serialize(preview, Json));
                }
                else
                {
                    foreach (var line in Views.Preview(preview))
                    {
                        await output.WriteLineAsync(line);
                    }
                }

                return preview.RunsOn is null ? ExitCodes.Failed : ExitCodes.Ok;
            }

            if (r.GetValue(count) > 1)
            {
                if (r.GetValue(wait))
                {
                    throw new CliException("--wait: waits for one task, not a job array (--count)", ExitCodes.BadInput);
                }

                return await SubmitArray(r, taskSpec, arrayId, r.GetValue(count), r.GetValue(quiet), ct);
            }

            await using var client = await ConnectAsync(r, ct);
            VGpuTaskStatus? status = null;
            try
            {
                status = await Answer(r, client.SubmitAsync(taskSpec, spec.Id, ct));
                if (r.GetValue(wait))
                {
                    status = await WaitUntilStarted(client, status, ct);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                throw await StoppedWaiting(client, status?.TaskId ?? spec.Id, status);
            }

            if (r.GetValue(quiet))
            {
                await output.WriteLineAsync(status.TaskId);
            }
            else if (r.GetValue(json))
            {
                await output.WriteLineAsync(JsonSerializer.Serialize(PoolSummarizer.Task(status), Json));
            }
            else
            {
                await output.WriteLineAsync(Submitted(status));
            }

            return status.State == TaskState.Failed ? ExitCodes.Failed : ExitCodes.Ok;
        });
        return command;
    }

    private static Argument<string> DeploymentName()
    {
        var name = new Argument<string>("name") { Description = "The deployment's name; its replicas are NAME.1, NAME.2, ..." };
        TokenRule(name.Validators, DeploymentRules.IsValidName, $"name: a deployment's name {DeploymentRules.NameRule}");
        return name;
    }

    private static void ReplicaRule<T>(List<Action<T>> validators, string what)
        where T : System.CommandLine.Parsing.SymbolResult =>
        TokenRule(validators, t => int.TryParse(t, System.Globalization.CultureInfo.InvariantCulture, out var n) && n is >= 0 and <= DeploymentRules.MaxReplicas,
            $"{what}: must be 0 to {DeploymentRules.MaxReplicas}");

    private Command DeployCommand()
    {
        var name = DeploymentName();
        var replicas = new Option<int?>("--replicas", "-r") { Description = $"How many replicas to keep live (0 to {DeploymentRules.MaxReplicas}; default: the spec file's deployment.replicas, else 1)" };
        ReplicaRule(replicas.Validators, "--replicas");
        var minReplicas = new Option<int?>("--min-replicas") { Description = "With --max-replicas: the fewest replicas the deployment scales itself to (default 1)" };
        var maxReplicas = new Option<int?>("--max-replicas")
        {
            Description = "The deployment scales itself up to this many replicas by how busy they are (an online spec: their leases' requests, or their processes' measured use of their cards) or by --scale-metric (any spec); --replicas is where it starts",
        };
        var targetBusy = new Option<int?>("--target-busy") { Description = "With --max-replicas: the busy percent to keep each replica at, 1 to 100 (default 70)" };
        var scaleMetric = new Option<string?>("--scale-metric")
        {
            Description = "With --max-replicas: scale on this metric of the replicas' own Prometheus page instead of busy time, such as vllm:num_requests_waiting or rate(vllm:request_success_total) (label matchers {k=\"v\"} allowed); needs --target-value and --metrics-at",
        };
        TokenRule(scaleMetric.Validators, t => MetricSelector.Parse(t) is not null, $"--scale-metric: {MetricSelector.Rule}");
        var targetValue = new Option<double?>("--target-value") { Description = "With --scale-metric: the value to keep each replica at (the deployment keeps as many as carry the sum at it)" };
        TokenRule(targetValue.Validators, t => double.TryParse(t, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) && v > 0 && v <= ScaleMetric.MaxTarget,
            $"--target-value: must be a number above 0 and at most {ScaleMetric.MaxTarget:0e0}");
        var metricsAt = new Option<string?>("--metrics-at") { Description = "With --scale-metric: where each replica serves its metrics on its node's loopback, :PORT or :PORT/PATH (path /metrics by default)" };
        TokenRule(metricsAt.Validators, t => ScaleMetric.ParseEndpoint(t) is not null, "--metrics-at: must be :PORT or :PORT/PATH (port 1 to 65535)");
        var maxSurge = new Option<string?>("--max-surge")
        {
            Description = "How many replicas beyond the count a rollout may add at once, a count or a share such as 25% (default 1; 0 on a pool with no card to spare, with --max-unavailable above 0)",
        };
        var maxUnavailable = new Option<string?>("--max-unavailable") { Description = "How many fewer than the count may serve during a rollout, a count or a share: old replicas go before new ones serve (default 0)" };
        var disruptionBudget = new Option<string?>("--disruption-budget")
        {
            Description = "How many replicas may be out of service at once when drains and maintenance windows move them, counting those down for any reason; a count or a share (default 1)",
        };
        var minReady = new Option<string?>("--min-ready")
        {
            Description = "How long a replica must have run before it counts as serving, such as 3m for a server loading its weights: a rollout cancels no old replica and a drain moves no other before (default 0)",
        };
        TokenRule(minReady.Validators, t => Durations.Parse(t) is not null || t.Trim() == "0", $"--min-ready: {Durations.Rule}");
        var progressDeadline = new Option<string?>("--progress-deadline")
        {
            Description = "How long a rollout may go without a new replica serving or an old one gone before it counts as failed, such as 10m (default: never)",
        };
        TokenRule(progressDeadline.Validators, t => Durations.Parse(t) is not null || t.Trim() == "0", $"--progress-deadline: {Durations.Rule}");
        var rollBack = new Option<bool>("--rollback-on-failure")
        {
            Description = $"Roll back by itself, to the last revision rolled out in full, when a rollout's new replicas fail {DeploymentRules.RolloutFailures} times in a row or it passes its --progress-deadline (needs --min-ready)",
        };
        var (wait, within) = RolloutWait();
        foreach (var option in new[] { maxSurge, maxUnavailable, disruptionBudget })
        {
            TokenRule(option.Validators, t => ReplicaCount.Parse(t) is not null, $"{option.Name}: {ReplicaCount.Rule}");
        }

        var specOptions = new SpecOptions();
        var command = new Command("deploy",
            "Create or change a deployment (flags, or a spec file whose deployment: section gives replicas, autoscale and strategy; a flag replaces its key): replicas of a spec kept live (one that ends is replaced, backing off while they keep failing), spread over nodes unless the spec spreads them itself; a changed spec is rolled out one replica at a time (--max-surge, --max-unavailable), an old one cancelled once a new one runs")
        {
            name, replicas, minReplicas, maxReplicas, targetBusy, scaleMetric, targetValue, metricsAt, maxSurge, maxUnavailable, disruptionBudget, minReady, progressDeadline, rollBack, wait, within,
        };
        foreach (var option in specOptions.All)
        {
            command.Add(option);
        }

        command.SetAction(async (r, ct) =>
        {
            var deployment = r.GetValue(name)!;
            var (file, template) = await specOptions.ReadAsync(r, null, ct, defaultName: deployment);
            // Keys not given are null, and a null key leaves the file's: no flag given, nothing replaced.
            var fromFlags = new DeploymentFile
            {
                Replicas = r.GetValue(replicas),
                Autoscale = new AutoscaleFile
                {
                    Min = r.GetValue(minReplicas), Max = r.GetValue(maxReplicas), TargetBusy = r.GetValue(targetBusy),
                    Metric = r.GetValue(scaleMetric), Target = r.GetValue(targetValue), At = r.GetValue(metricsAt),
                },
                Strategy = new StrategyFile
                {
                    MaxSurge = r.GetValue(maxSurge), MaxUnavailable = r.GetValue(maxUnavailable), DisruptionBudget = r.GetValue(disruptionBudget),
                    MinReady = r.GetValue(minReady), ProgressDeadline = r.GetValue(progressDeadline), RollbackOnFailure = r.GetValue(rollBack) ? true : null,
                },
            };
            var (count, autoscale, strategy) = fromFlags.Over(file.Deployment).Build();
            var local = DeploymentRules.Validate(deployment, template, count).AddRange(DeploymentRules.CheckAutoscale(autoscale, template))
                .AddRange(DeploymentRules.CheckStrategy(strategy));
            if (!local.IsEmpty)
            {
                throw new CliException("the deployment was rejected: " + string.Join("; ", local), ExitCodes.BadInput);
            }

            CheckWithin(r, wait, within);
            await using var client = await ConnectAsync(r, ct);
            var deployed = await Answer(r, client.DeployAsync(deployment, template, count, autoscale, strategy, ct));
            return await ShowDeployment(r, r.GetValue(wait) ? await WaitForRollout(r, client, deployment, Durations.Parse(r.GetValue(within))!.Value, ct) : deployed);
        });
        return command;
    }

    private Command ScaleCommand()
    {
        var name = DeploymentName();
        var replicas = new Argument<int>("replicas") { Description = $"How many replicas to keep live (0 to {DeploymentRules.MaxReplicas}); the surplus is cancelled, those not running first, then the newest" };
        ReplicaRule(replicas.Validators, "replicas");
        return DeploymentAction(
            new Command("scale", "Change how many replicas a deployment keeps") { name, replicas },
            (client, r, ct) => client.ScaleAsync(r.GetValue(name)!, r.GetValue(replicas), ct));
    }

    private Command RollBackCommand()
    {
        var name = DeploymentName();
        var to = new Option<int?>("--to") { Description = "The revision whose spec to roll out again, one it still keeps (orion deployments NAME lists them; default: the one before the current)" };
        var (wait, within) = RolloutWait();
        var command = new Command("rollback", "Roll a deployment back to the spec of an earlier revision, rolled out as a new revision by its strategy") { name, to, wait, within };
        command.SetAction(async (r, ct) =>
        {
            CheckWithin(r, wait, within);
            await using var client = await ConnectAsync(r, ct);
            var back = await Answer(r, client.RollBackAsync(r.GetValue(name)!, r.GetValue(to), ct));
            return await ShowDeployment(r, r.GetValue(wait) ? await WaitForRollout(r, client, back.Name, Durations.Parse(r.GetValue(within))!.Value, ct) : back);
        });
        return command;
    }

    /// <summary>The command, acting on a deployment through the cluster and showing what it became.</summary>
    private Command DeploymentAction(Command command, Func<OrionClient, ParseResult, CancellationToken, Task<DeploymentStatus>> act)
    {
        command.SetAction(async (r, ct) =>
        {
            await using var client = await ConnectAsync(r, ct);
            return await ShowDeployment(r, await Answer(r, act(client, r, ct)));
        });
        return command;
    }

    private Command TokenIssueCommand()
    {
        var role = new Option<string>("--role") { Description = "admin, tenant, node or viewer", Required = true };
        role.AcceptOnlyFromAmong([.. AccessTokenRules.Roles]);
        var tenant = new Option<string?>("--tenant") { Description = "For role tenant: the tenant whose tasks and deployments it may act on" };
        var node = new Option<string?>("--node") { Description = "For role node, optionally: the one node (dc/name) it may speak for" };
        var name = new Option<string>("--name") { Description = "What logs, refusals and orion token revoke call it; unique among the issued tokens", Required = true };
        var expires = new Option<string?>("--expires") { Description = "How long it is taken: 90s, 45m, 12h, 30d (default: until revoked)" };
        TokenRule(expires.Validators, t => Durations.Parse(t) is not null, $"--expires: {Durations.Rule}");
        var command = new Command("issue", "Issue a token through the pool: every silo takes it at once, until it expires or is revoked (an admin's; a tenant's own token issues its tenant's)")
        {
            role, tenant, node, name, expires,
        };
        command.SetAction(async (r, ct) =>
        {
            await using var client = await ConnectAsync(r, ct);
            return await ShowNewToken(
                r,
                await BadInputOf(Answer(r, client.IssueTokenAsync(
                    r.GetValue(name)!, r.GetValue(role)!, r.GetValue(tenant), r.GetValue(node), Durations.Parse(r.GetValue(expires)), ct))),
                (t, until) => $"Every silo takes it now, {until}; orion token revoke {t.Name} withdraws it.");
        });
        return command;
    }

    /// <summary>A rule the pool refused the value by (ArgumentException naming the field) as bad input, in one line.</summary>
    private static async Task<T> BadInputOf<T>(Task<T> call)
    {
        try
        {
            return await call;
        }
        catch (ArgumentException ex)
        {
            throw new CliException(ex.Message.Split(" (Parameter")[0], ExitCodes.BadInput);
        }
    }

    /// <summary>A token just made, shown once: as JSON, or with what happens to it (<paramref name="about"/>: the entry, and until when).</summary>
    private async Task<int> ShowNewToken(ParseResult r, NewAccessToken made, Func<IssuedToken, string, string> about)
    {
        if (r.GetValue(json))
        {
            await output.WriteLineAsync(JsonSerializer.Serialize(new { token = made.Token, issued = made.Issued }, Json));
            return ExitCodes.Ok;
        }

        await output.WriteLineAsync($"token: {made.Token}");
        var until = made.Issued.ExpiresAt is { } at ? $"until {at:yyyy-MM-dd HH:mm:ss}Z" : "until revoked";
        await output.WriteLineAsync("Keep it secret: it is shown once (the pool holds only its SHA-256).");
        await output.WriteLineAsync(about(made.Issued, until));
        return ExitCodes.Ok;
    }

    private Command TokenListCommand()
    {
        var settings = new Option<bool>("--settings") { Description = "The tokens in the silos' settings instead (an admin's): name, role, binding, expiry, never the hash" };
        var command = new Command("list", "The tokens issued through the pool, expired ones too until revoked (a tenant's token: its tenant's); --settings: those in silos' settings") { settings };
        command.SetAction(async (r, ct) =>
        {
            await using var client = await ConnectAsync(r, ct);
            if (r.GetValue(settings))
            {
                Print(r, await Answer(r, client.ListConfiguredTokensAsync(ct)), t => Views.ConfiguredTokens(t, DateTimeOffset.UtcNow));
                return ExitCodes.Ok;
            }

            var tokens = await Answer(r, client.ListTokensAsync(ct));
            if (r.GetValue(json))
            {
                await output.WriteLineAsync(JsonSerializer.Serialize(tokens, Json));
            }
            else
            {
                Console.Write(Views.Tokens(tokens, DateTimeOffset.UtcNow));
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private Command TokenRotateCommand()
    {
        var name = new Argument<string>("name") { Description = "The issued token's name" };
        var expires = new Option<string?>("--expires") { Description = "How long the new token is taken: 90s, 45m, 12h, 30d (default: as long as the old one was issued for)" };
        TokenRule(expires.Validators, t => Durations.Parse(t) is not null, $"--expires: {Durations.Rule}");
        var command = new Command("rotate", "Replace an issued token with a new one of the same name, role and binding; the old one is refused within a second") { name, expires };
        command.SetAction(async (r, ct) =>
        {
            await using var client = await ConnectAsync(r, ct);
            var rotated = await BadInputOf(Answer(r, client.RotateTokenAsync(r.GetValue(name)!, Durations.Parse(r.GetValue(expires)), ct)))
                ?? throw new CliException($"no issued token named '{r.GetValue(name)}' (tokens in silos' settings are rotated there)", ExitCodes.Failed);
            return await ShowNewToken(r, rotated, (t, until) => $"It replaces the old '{t.Name}', which every silo refuses within a second; taken {until}.");
        });
        return command;
    }

    private Command TokenRevokeCommand()
    {
        var name = new Argument<string>("name") { Description = "The issued token's name" };
        var command = new Command("revoke", "Revoke an issued token: every silo refuses it within a second (an admin's; a tenant's own token revokes its tenant's)") { name };
        command.SetAction(async (r, ct) =>
        {
            await using var client = await ConnectAsync(r, ct);
            var revoked = await Answer(r, client.RevokeTokenAsync(r.GetValue(name)!, ct))
                ?? throw new CliException($"no issued token named '{r.GetValue(name)}' (tokens in silos' settings are removed there)", ExitCodes.Failed);
            await output.WriteLineAsync($"revoked token '{revoked.Name}' ({revoked.Role}{(revoked.Tenant ?? revoked.Node) switch { { } of => $" {of}", null => "" }})");
            return ExitCodes.Ok;
        });
        return command;
    }

    private Command WhoAmICommand()
    {
        var command = new Command("whoami", "Who the pool takes this CLI for, by its token (--token or $ORION_TOKEN)");
        command.SetAction(async (r, ct) =>
        {
            await using var client = await ConnectAsync(r, ct);
            await output.WriteLineAsync(await Answer(r, client.WhoAmIAsync(ct)) ?? "the pool requires no access token");
            return ExitCodes.Ok;
        });
        return command;
    }

    private Command RolloutCommand()
    {
        Command Step(string verb, string description, bool paused)
        {
            var name = DeploymentName();
            return DeploymentAction(
                new Command(verb, description) { name },
                (client, r, ct) => paused ? client.PauseRolloutAsync(r.GetValue(name)!, ct) : client.ResumeRolloutAsync(r.GetValue(name)!, ct));
        }

        var name = DeploymentName();
        var within = Within("The longest to wait, e.g. 10m");
        var status = new Command("status", "Wait for a deployment's rollout to finish, printing its progress: exit 0 once every replica of its current revision serves and no old one is live, 1 when its replicas keep failing, it is paused, or --within passes") { name, within };
        status.SetAction(async (r, ct) =>
        {
            await using var client = await ConnectAsync(r, ct);
            return await ShowDeployment(r, await WaitForRollout(r, client, r.GetValue(name)!, Durations.Parse(r.GetValue(within))!.Value, ct));
        });

        return new Command("rollout", "Follow a deployment's rollout (status), or pause it (a canary: the replicas of each revision stay as they are) and resume it")
        {
            status,
            Step("pause", "Pause: replicas of an earlier revision stay beside the current one's, and a spec deployed meanwhile waits", paused: true),
            Step("resume", "Resume the rollout", paused: false),
        };
    }

    private Command DeploymentsCommand()
    {
        var name = new Argument<string?>("name") { Description = "One deployment, with its replicas (none: every deployment)", Arity = ArgumentArity.ZeroOrOne };
        TokenRule(name.Validators, DeploymentRules.IsValidName, $"name: a deployment's name {DeploymentRules.NameRule}");
        var manifest = new Option<bool>("--manifest")
        {
            Description = "With a name: print the deployment as a spec file (its spec, and a deployment: section with its count, autoscaling and strategy) that orion deploy NAME -f reads back to the same",
        };
        var command = new Command("deployments", "List deployments: replicas ready of those asked for, live, revision, and whether a rollout or a backoff is under way") { name, manifest };
        command.SetAction(async (r, ct) =>
        {
            if (r.GetValue(manifest) && r.GetValue(name) is null)
            {
                throw new CliException("--manifest: give the deployment's name", ExitCodes.BadInput);
            }

            await using var client = await ConnectAsync(r, ct);
            if (r.GetValue(name) is { } one)
            {
                var status = await Answer(r, client.GetDeploymentAsync(one, ct)) ?? throw new CliException($"no deployment {one}", ExitCodes.Failed);
                if (r.GetValue(manifest))
                {
                    await output.WriteAsync(SpecExport.Yaml(SpecExport.Of(status.Template, status)));
                    return ExitCodes.Ok;
                }

                return await ShowDeployment(r, status);
            }

            var all = await Answer(r, client.ListDeploymentsAsync(ct));
            if (r.GetValue(json))
            {
                await output.WriteLineAsync(JsonSerializer.Serialize(all, Json));
            }
            else
            {
                Console.Write(Views.Deployments(all));
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private Command UndeployCommand()
    {
        var name = DeploymentName();
        var reason = new Option<string>("--reason") { Description = "Why, as each cancelled replica records it", DefaultValueFactory = _ => "deleted by an operator" };
        var command = new Command("undeploy", "Delete a deployment: every replica is cancelled, and the name is free") { name, reason };
        command.SetAction(async (r, ct) =>
        {
            await using var client = await ConnectAsync(r, ct);
            DeploymentStatus? deleted;
            try
            {
                deleted = await Answer(r, client.DeleteDeploymentAsync(r.GetValue(name)!, r.GetValue(reason)!, ct));
            }
            catch (InvalidOperationException ex)
            {
                // A replica could not be cancelled now: the deployment stays, asking for none, until undeployed again.
                throw new CliException(ex.Message, ExitCodes.Failed);
            }

            if (deleted is null)
            {
                throw new CliException($"no deployment {r.GetValue(name)}", ExitCodes.Failed);
            }

            await output.WriteLineAsync($"deleted deployment {deleted.Name}: cancelled {deleted.Tasks.Length} replica(s)");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Option<string> Within(string description)
    {
        var within = new Option<string>("--within") { Description = description, DefaultValueFactory = _ => "10m" };
        TokenRule(within.Validators, t => Durations.Parse(t) is { } d && d > TimeSpan.Zero, $"--within: {Durations.Rule}, more than 0s");
        return within;
    }

    /// <summary>--wait and --within, for a command that starts a rollout.</summary>
    private static (Option<bool> Wait, Option<string> Within) RolloutWait() =>
        (new Option<bool>("--wait") { Description = "Wait for the rollout to finish, printing its progress, as orion rollout status does (exit 1 when it fails), at most --within" },
         Within("With --wait: the longest to wait, e.g. 10m"));

    private static void CheckWithin(ParseResult r, Option<bool> wait, Option<string> within)
    {
        if (!r.GetValue(wait) && r.GetResult(within) is { Implicit: false })
        {
            throw new CliException("--within applies with --wait", ExitCodes.BadInput);
        }
    }

    /// <summary>Waits for the rollout, printing each change (not with --json); a rollout that fails exits 1, naming why.</summary>
    private async Task<DeploymentStatus> WaitForRollout(ParseResult r, OrionClient client, string name, TimeSpan within, CancellationToken ct)
    {
        var progress = r.GetValue(json) ? null : new Said(p => output.WriteLine($"deployment {name}: {p.Text}"));
        try
        {
            return await client.WaitForRolloutAsync(name, within, progress, ct);
        }
        catch (RolloutFailedException ex)
        {
            throw new CliException(ex.Message, ExitCodes.Failed);
        }
        catch (InvalidOperationException ex)
        {
            throw new CliException(ex.Message, ExitCodes.Failed);
        }
    }

    /// <summary>Progress told at once, in order (<see cref="Progress{T}"/> posts it to the thread pool).</summary>
    private sealed class Said(Action<RolloutProgress> report) : IProgress<RolloutProgress>
    {
        public void Report(RolloutProgress value) => report(value);
    }

    private async Task<int> ShowDeployment(ParseResult r, DeploymentStatus status)
    {
        if (r.GetValue(json))
        {
            await output.WriteLineAsync(JsonSerializer.Serialize(status, Json));
        }
        else
        {
            Console.Write(Views.Deployment(status));
        }

        return ExitCodes.Ok;
    }

    private static string NewArrayPrefix() => $"t-{Guid.NewGuid():N}"[..10];

    /// <summary>
    /// --count: a job array, submitted together (SubmitManyAsync), ids PREFIX-0, PREFIX-1, ... (--id, or a new prefix).
    /// Each accepted task is a line; a task its tenant's quota refused (--fail-fast) is named on stderr, and the exit code
    /// is 1 when any was.
    /// </summary>
    private async Task<int> SubmitArray(ParseResult r, TaskSpec spec, string? id, int count, bool quiet, CancellationToken ct)
    {
        // Named here when not given, so the tasks can be listed even when some were refused.
        var prefix = id ?? NewArrayPrefix();
        var ids = Enumerable.Range(0, count).Select(i => $"{prefix}-{i}").ToArray();
        if (ids.FirstOrDefault(i => !TaskIdFormat.IsValid(i)) is { } bad)
        {
            throw new CliException($"--id: '{bad}' (the id with its array index) is not a task id: {TaskIdFormat.Rule}", ExitCodes.BadInput);
        }

        await using var client = await ConnectAsync(r, ct);
        IReadOnlyList<VGpuTaskStatus> accepted;
        var refused = 0;
        try
        {
            accepted = await Answer(r, client.SubmitManyAsync([.. ids.Select(i => new TaskSubmission(spec, i))], ct));
        }
        catch (SpecValidationException ex)
        {
            // Some were refused; the rest were submitted: list what is there now.
            refused = ex.Errors.Select(e => e.Field.Split('.')[0]).Distinct().Count();
            await error.WriteLineAsync("orion: " + ex.Message);
            var known = await Task.WhenAll(ids.Select(i => client.GetAsync(i, ct)));
            accepted = [.. known.OfType<VGpuTaskStatus>()];
        }

        foreach (var s in accepted)
        {
            await output.WriteLineAsync(quiet ? s.TaskId : Submitted(s));
        }

        return refused > 0 || accepted.Any(s => s.State == TaskState.Failed) ? ExitCodes.Failed : ExitCodes.Ok;
    }

    /// <summary>A submitted task in a line: its state, and whether it waits for its tenant's quota.</summary>
    private static string Submitted(VGpuTaskStatus s) => $"submitted {s.TaskId} ({s.State}{(s.QuotaWait is null ? "" : ", waiting for quota")})";

    /// <summary>
    /// --wait: until the task runs or ends, however long it queues (--timeout bounds each answer, not the wait). Only
    /// Ctrl+C or SIGTERM stops it early.
    /// </summary>
    private static async Task<VGpuTaskStatus> WaitUntilStarted(OrionClient client, VGpuTaskStatus submitted, CancellationToken ct)
    {
        try
        {
            return await client.WaitForStateAsync(submitted.TaskId, [TaskState.Running, TaskState.Suspended, TaskState.Completed, TaskState.Failed, TaskState.Cancelled], ct);
        }
        catch (InvalidOperationException ex)
        {
            // The task is gone (a silo without storage restarted): every state that ends it is waited for.
            throw new CliException(ex.Message, ExitCodes.Failed);
        }
        catch (Exception ex) when (IsUnreachable(ex))
        {
            throw new CliException($"lost the cluster while waiting for task {submitted.TaskId}: {OneLine(ex.Message)}", ExitCodes.Unreachable);
        }
    }

    /// <summary>A submit stopped by a signal: the task may be queued anyway, so say which one and where it stands now.</summary>
    private static async Task<CliException> StoppedWaiting(OrionClient client, string? taskId, VGpuTaskStatus? last)
    {
        if (taskId is null)
        {
            return new CliException("stopped before the cluster answered; the task may be submitted (orion ls shows it)", ExitCodes.Interrupted);
        }

        var now = last;
        try
        {
            // One more read, not bounded by the cancelled token: the state may have moved since the last long-poll.
            now = await client.GetAsync(taskId).WaitAsync(TimeSpan.FromSeconds(2));
            if (now is null)
            {
                return new CliException($"stopped before task {taskId} was submitted", ExitCodes.Interrupted);
            }
        }
        catch (Exception)
        {
            // Best effort: the line below still names the task, with the last state seen if any.
        }

        return new CliException(
            now is null
                ? $"stopped waiting for task {taskId}: its state could not be read; it may be submitted (orion cancel {taskId} drops it)"
                : $"stopped waiting for task {taskId}: it is {now.State} and stays submitted (orion cancel {taskId} drops it)",
            ExitCodes.Interrupted);
    }

    private Command ListCommand()
    {
        var tenant = new Option<string?>("--tenant", "-t") { Description = "Only this tenant's tasks" };
        var state = new Option<TaskState?>("--state", "-s") { Description = "Only tasks in this state" };
        var limit = new Option<int>("--limit") { Description = "At most this many, newest first", DefaultValueFactory = _ => 100 };
        var labels = Labels("--label", "Only tasks with this label of their own, key=value (repeat: all of them)");
        var command = new Command("ls", "List tasks, newest first") { tenant, state, limit, labels };
        command.SetAction(async (r, ct) =>
        {
            await using var client = await ConnectAsync(r, ct);
            var tasks = await Answer(r, client.ListAsync(new TaskQuery(r.GetValue(tenant), r.GetValue(state), r.GetValue(limit), Labels: LabelsOf(r, labels)?.ToImmutableDictionary(StringComparer.Ordinal)), ct));
            Print(r, tasks.Select(PoolSummarizer.Task).ToList(), t => Views.Tasks(t));
            return ExitCodes.Ok;
        });
        return command;
    }

    private Command GetCommand()
    {
        var id = new Argument<string>("task") { Description = "The task id" };
        TaskIdRule(id.Validators, "task");
        var manifest = new Option<bool>("--manifest") { Description = "Print the task's spec as a spec file that orion submit -f reads back to the same" };
        var command = new Command("get", "Show one task") { id, manifest };
        command.SetAction(async (r, ct) =>
        {
            await using var client = await ConnectAsync(r, ct);
            var status = await Answer(r, client.GetAsync(r.GetValue(id)!, ct)) ?? throw NotFound(r.GetValue(id)!);
            if (r.GetValue(manifest))
            {
                await output.WriteAsync(SpecExport.Yaml(SpecExport.Of(status.Spec)));
                return ExitCodes.Ok;
            }

            if (r.GetValue(json))
            {
                Print(r, status, Views.Task);
                return ExitCodes.Ok;
            }

            // Asked of its scheduler only for the table, a person's question: --json is the status as the pool holds it.
            var waiting = status.State is TaskState.Pending or TaskState.Scheduled or TaskState.Blocked ? await Answer(r, client.WhyWaitingAsync(status.TaskId, ct)) : null;
            Print(r, status, s => Views.Task(s, waiting));
            return ExitCodes.Ok;
        });
        return command;
    }

    private Command CancelCommand()
    {
        var id = new Argument<string?>("task") { Description = "The task id (none: every live task of --tenant)", Arity = ArgumentArity.ZeroOrOne };
        TaskIdRule(id.Validators, "task");
        var reason = new Option<string>("--reason") { Description = "Why (kept as the exit reason)", DefaultValueFactory = _ => "cancelled with the orion CLI" };
        var tenant = new Option<string?>("--tenant", "-t") { Description = "Without a task id: cancel every live task of this tenant" };
        TokenRule(tenant.Validators, TenantName.IsValid, $"--tenant: {TenantName.Rule}");
        var state = new Option<TaskState?>("--state", "-s") { Description = "With --tenant: only its tasks in this state (e.g. Pending: the queued and the waiting for quota)" };
        var labels = Labels("--label", "With --tenant: only its tasks with this label, key=value (repeat: all of them), e.g. a sweep's");
        var command = new Command("cancel", "Cancel a task, or every live task of a tenant: dequeue it, or stop it and free its capacity") { id, reason, tenant, state, labels };
        command.SetAction(async (r, ct) =>
        {
            var task = r.GetValue(id);
            if ((task is null) == (r.GetValue(tenant) is null) || (task is not null && (r.GetValue(state) is not null || LabelsOf(r, labels) is not null)))
            {
                throw new CliException("cancel: give a task id, or --tenant (with --state and --label if wanted), not both", ExitCodes.BadInput);
            }

            await using var client = await ConnectAsync(r, ct);
            if (task is null)
            {
                var cancelled = await Answer(r, client.CancelManyAsync(new TaskQuery(r.GetValue(tenant), r.GetValue(state), Labels: LabelsOf(r, labels)?.ToImmutableDictionary(StringComparer.Ordinal)), r.GetValue(reason)!, ct));
                await output.WriteLineAsync($"{cancelled.Count} task(s) of {r.GetValue(tenant)} cancelled");
                return ExitCodes.Ok;
            }

            var status = await Answer(r, client.CancelAsync(task, r.GetValue(reason)!, ct)) ?? throw NotFound(task);
            await output.WriteLineAsync($"{status.TaskId} {status.State}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private Command PriorityCommand()
    {
        var id = new Argument<string>("task") { Description = "The task id" };
        TaskIdRule(id.Validators, "task");
        var priority = new Argument<string>("priority") { Description = "offline or training, optionally /level (0..1000)" };
        priority.Validators.Add(r =>
        {
            try
            {
                SpecBuilder.ParsePriority(r.GetValueOrDefault<string>() ?? "");
            }
            catch (CliException ex)
            {
                r.AddError(ex.Message);
            }
        });
        var command = new Command("priority", "Change a task's priority: a queued one is queued again in its new place, a running one keeps its cards, which arbitrate by the new one") { id, priority };
        command.SetAction(async (r, ct) =>
        {
            var task = r.GetValue(id)!;
            await using var client = await ConnectAsync(r, ct);
            try
            {
                var status = await Answer(r, client.SetPriorityAsync(task, SpecBuilder.ParsePriority(r.GetValue(priority)!), ct)) ?? throw NotFound(task);
                await output.WriteLineAsync($"{status.TaskId} {status.State} at {status.Spec.Priority}");
                return ExitCodes.Ok;
            }
            catch (InvalidOperationException ex)
            {
                throw new CliException(ex.Message, ExitCodes.Failed);
            }
        });
        return command;
    }

    private Command PauseCommand(bool resume)
    {
        var id = new Argument<string>("task") { Description = "The task id" };
        TaskIdRule(id.Validators, "task");
        var reason = new Option<string>("--reason") { Description = "Why (shown with the task while it is paused)", DefaultValueFactory = _ => "paused with the orion CLI" };
        var command = resume
            ? new Command("resume", "Resume a task an operator paused, or queue one an operator held") { id }
            : new Command("pause", "Pause a running task where it is (it stops computing, keeps its slice and memory), or hold one not started yet (it is not queued); either waits for orion resume") { id, reason };
        command.SetAction(async (r, ct) =>
        {
            var task = r.GetValue(id)!;
            await using var client = await ConnectAsync(r, ct);
            try
            {
                var status = await Answer(r, resume ? client.ResumeAsync(task, ct) : client.PauseAsync(task, r.GetValue(reason)!, ct)) ?? throw NotFound(task);
                await output.WriteLineAsync($"{status.TaskId} {status.State}{(status.HeldBy is { } by ? $" (held: {by})" : "")}");
                return ExitCodes.Ok;
            }
            catch (InvalidOperationException ex)
            {
                throw new CliException(ex.Message, ExitCodes.Failed);
            }
        });
        return command;
    }

    private Command CordonCommand(string name, string description, bool drain)
    {
        var node = new Argument<string>("node") { Description = "The node (dc/node), or one card of it (dc/node/index)" };
        var reason = new Option<string>("--reason") { Description = "Why (shown with the node or card)", DefaultValueFactory = _ => $"{name}ed with the orion CLI" };
        TokenRule(reason.Validators, CordonReason.IsValid, $"--reason: {CordonReason.Rule}");
        var force = new Option<bool>("--force") { Description = "Move deployments' replicas too when that takes more of a deployment out of service than its disruption budget" };
        var wait = new Option<bool>("--wait") { Description = "Drain again every 2 s until nothing is left on it (a deployment's replicas move within its disruption budget), at most --within" };
        var within = Within("With --wait: the longest to wait, e.g. 10m");
        var command = new Command(name, description) { node, reason };
        if (drain)
        {
            command.Add(force);
            command.Add(wait);
            command.Add(within);
        }

        command.SetAction(async (r, ct) =>
        {
            CheckWithin(r, wait, within);

            await using var client = await ConnectAsync(r, ct);
            var id = r.GetValue(node)!;
            var card = IsCard(id);
            if (!drain)
            {
                await Answer(r, OnKnownNode(card ? client.CordonCardAsync(id, r.GetValue(reason)!, ct) : client.CordonAsync(id, r.GetValue(reason)!, ct)));
                await output.WriteLineAsync($"{id} cordoned");
                return ExitCodes.Ok;
            }

            var forced = r.GetValue(force);
            Task<DrainResult> Drain() => Answer(r, OnKnownNode(card ? client.DrainCardAsync(id, r.GetValue(reason)!, forced, ct) : client.DrainAsync(id, r.GetValue(reason)!, forced, ct)));
            var drained = await Drain();
            await output.WriteLineAsync($"{id} cordoned; {drained.Evicted.Length} task(s) moved off it{(drained.Evicted.IsEmpty ? "" : ": " + string.Join(' ', drained.Evicted))}");
            var until = DateTime.UtcNow + Durations.Parse(r.GetValue(within))!.Value;
            while (r.GetValue(wait) && !drained.Left.IsEmpty && DateTime.UtcNow < until)
            {
                // What is left moves once it starts there, or once its deployment's moved replica serves elsewhere.
                await Task.Delay(TimeSpan.FromSeconds(2), ct);
                drained = await Drain();
                if (!drained.Evicted.IsEmpty)
                {
                    await output.WriteLineAsync($"then moved off it: {string.Join(' ', drained.Evicted)}");
                }
            }

            if (!drained.Left.IsEmpty)
            {
                // Placed an instant before the cordon and not started yet, or a replica its deployment keeps: a later drain moves them.
                await output.WriteLineAsync($"not moved yet: {string.Join("; ", drained.Left.Select(t => drained.Why?.GetValueOrDefault(t) is { } why ? $"{t} ({why})" : t))}; {(r.GetValue(wait) ? $"still there after {r.GetValue(within)}" : "drain again (--wait: until it is empty)")}");
                return ExitCodes.Failed;
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>A card's id has its node's two parts and an index (<c>dc/node/index</c>).</summary>
    private static bool IsCard(string id) => id.Count(c => c == '/') == 2;

    private Command UncordonCommand()
    {
        var node = new Argument<string>("node") { Description = "The node (dc/node), or one card of it (dc/node/index)" };
        var command = new Command("uncordon", "Let a cordoned or drained node or card take work again") { node };
        command.SetAction(async (r, ct) =>
        {
            await using var client = await ConnectAsync(r, ct);
            var id = r.GetValue(node)!;
            await Answer(r, OnKnownNode(IsCard(id) ? client.UncordonCardAsync(id, ct) : client.UncordonAsync(id, ct)));
            await output.WriteLineAsync($"{r.GetValue(node)} uncordoned");
            return ExitCodes.Ok;
        });
        return command;
    }

    // Window fields as the maintenance command's flags name them.
    private static readonly Dictionary<string, string> MaintenanceFlags = new(StringComparer.Ordinal)
    {
        ["start"] = "--at", ["duration"] = "--for", ["reason"] = "--reason", ["notice"] = "--notice", ["every"] = "--every",
    };

    private Command MaintenanceCommand()
    {
        var nodes = new Argument<string[]>("nodes") { Description = "The nodes (dc/node), each planned or cancelled alike (a rack's, say); none: every node's windows", Arity = ArgumentArity.ZeroOrMore };
        var at = new Option<string?>("--at") { Description = "Plan a window starting then: now, +DURATION from now (+2h), or a time (2026-12-05T02:00Z; UTC unless it names an offset)" };
        var length = new Option<string?>("--for") { Description = "How long the window lasts (1m to 30d), e.g. 4h; the node takes work again at its end" };
        var reason = new Option<string>("--reason") { Description = "Why (1 to 150 characters), shown with the node and in its cordon", DefaultValueFactory = _ => "planned with the orion CLI" };
        var notice = new Option<string>("--notice") { Description = "From this long before the start, only work whose max runtime ends before it starts there (0s: none)", DefaultValueFactory = _ => "0s" };
        var drain = new Option<bool>("--drain") { Description = "At the start, also move every task still on the node elsewhere, as orion drain does" };
        var every = new Option<string?>("--every") { Description = "Repeat the window this often (longer than --for, at most 365d), e.g. 7d for a weekly one; --cancel ends the series" };
        var cancel = new Option<string?>("--cancel") { Description = "Cancel the window that starts at this time (one in force ends now)" };
        foreach (var moment in new[] { at, cancel })
        {
            moment.Validators.Add(r =>
            {
                if (Moments.Parse(r.GetValueOrDefault<string?>(), DateTimeOffset.UtcNow) is null)
                {
                    r.AddError($"{moment.Name}: {Moments.Rule}");
                }
            });
        }

        TokenRule(length.Validators, t => Durations.Parse(t) is not null, $"--for: {Durations.Rule}");
        TokenRule(notice.Validators, t => Durations.Parse(t) is not null, $"--notice: {Durations.Rule}");
        TokenRule(every.Validators, t => Durations.Parse(t) is not null, $"--every: {Durations.Rule}");
        var command = new Command("maintenance",
            "Plan a maintenance window on nodes (--at, --for): each is cordoned for the window and takes work again after; with --drain its tasks move elsewhere at the start. Without --at, their windows")
        {
            nodes, at, length, reason, notice, drain, every, cancel,
        };
        command.SetAction(async (r, ct) =>
        {
            var ids = r.GetValue(nodes)!.Distinct(StringComparer.Ordinal).ToList();
            var now = DateTimeOffset.UtcNow;
            var (start, ends) = (Moments.Parse(r.GetValue(at), now), Moments.Parse(r.GetValue(cancel), now));
            var planning = new Option[] { length, notice, drain, every, reason }.Where(o => r.GetResult(o) is { Implicit: false }).Select(o => o.Name).ToList();
            if (start is not null && ends is not null)
            {
                throw new CliException("maintenance: --at plans a window and --cancel cancels one: give one of them", ExitCodes.BadInput);
            }

            if (ids.Count == 0 && (start is not null || ends is not null))
            {
                throw new CliException($"maintenance: name the nodes to {(start is not null ? "plan the window on" : "cancel it on")}", ExitCodes.BadInput);
            }

            if (start is null && planning.Count > 0)
            {
                throw new CliException($"maintenance: {string.Join(", ", planning)} {(planning.Count == 1 ? "plans" : "plan")} a window: give its start with --at", ExitCodes.BadInput);
            }

            MaintenanceWindow? window = null;
            if (start is { } from)
            {
                if (r.GetValue(length) is not { } text)
                {
                    throw new CliException("maintenance: --for is needed with --at: how long the window lasts (1m to 30d)", ExitCodes.BadInput);
                }

                window = new MaintenanceWindow(from, Durations.Parse(text)!.Value, r.GetValue(reason)!, r.GetValue(drain), Durations.Parse(r.GetValue(notice))!.Value,
                    r.GetValue(every) is { } period ? Durations.Parse(period) : null);
                if (window.Check(now) is { IsEmpty: false } broken)
                {
                    throw new CliException(string.Join("; ", broken.Select(b => $"{MaintenanceFlags[b.Field]} {b.Rule}")), ExitCodes.BadInput);
                }
            }

            await using var client = await ConnectAsync(r, ct);
            if (ids.Count == 0)
            {
                // The pool's calendar: every node with a window planned.
                var pool = await Answer(r, client.GetPoolAsync(0, ct));
                Print(r, pool.Nodes.Where(n => !n.Maintenance.IsDefaultOrEmpty).ToDictionary(n => n.NodeId, n => n.Maintenance, StringComparer.Ordinal), Views.Maintenance);
                return ExitCodes.Ok;
            }

            var listed = new Dictionary<string, ImmutableArray<MaintenanceWindow>>(StringComparer.Ordinal);
            var refused = 0;
            foreach (var id in ids)
            {
                NodeSnapshot? snapshot;
                try
                {
                    snapshot = window is not null ? await Answer(r, OnKnownNode(client.ScheduleMaintenanceAsync(id, window, ct)))
                        : ends is { } cancelled ? await Answer(r, OnKnownNode(client.CancelMaintenanceAsync(id, cancelled, ct)))
                        : await Answer(r, client.GetNodeAsync(id, ct)) ?? throw new CliException($"node: {id} is not a node of the pool (no daemon registered it)", ExitCodes.Failed);
                }
                catch (Exception ex) when (ids.Count > 1 && ex is CliException or ArgumentException)
                {
                    // One node's no does not undo the others': each is said, and the exit code tells.
                    refused++;
                    await error.WriteLineAsync($"orion: {id}: {Refusal(ex, window is not null)}");
                    continue;
                }
                catch (ArgumentException ex) when (ex.ParamName is "window" or "start")
                {
                    throw new CliException($"maintenance: {Refusal(ex, window is not null)}", ExitCodes.Failed);
                }

                listed[id] = snapshot?.Maintenance.IsDefault != false ? [] : snapshot.Maintenance;
                if (window is not null && !r.GetValue(json))
                {
                    await output.WriteLineAsync($"{id}: maintenance planned at {window}");
                }
                else if (ends is not null && !r.GetValue(json))
                {
                    await output.WriteLineAsync($"{id}: maintenance at {MaintenanceWindow.Format(ends.Value)} cancelled");
                }
            }

            if (window is null && ends is null || r.GetValue(json))
            {
                if (ids.Count == 1)
                {
                    Print(r, listed.GetValueOrDefault(ids[0]), Views.Maintenance);
                }
                else
                {
                    Print(r, listed, Views.Maintenance);
                }
            }

            return refused > 0 ? ExitCodes.Failed : ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>A node's refusal of a window or a cancel, its field named as the flag that set it.</summary>
    private static string Refusal(Exception ex, bool planning)
    {
        var message = ex is ArgumentException ? ex.Message.Split(" (Parameter")[0] : ex.Message;
        return planning && message.StartsWith("start ", StringComparison.Ordinal) ? "--at " + message[6..] : message;
    }

    private Command MarkCommand(string name, bool taints)
    {
        var node = new Argument<string>("node") { Description = "The node (dc/node)" };
        var marks = new Argument<string[]>(taints ? "taints" : "labels")
        {
            Description = $"key=value to set{(taints ? " (key=value:PreferNoSchedule: only kept off while other nodes have room)" : "")}, key- to take off one set this way (the daemon's --{name} flags stay)",
            Arity = ArgumentArity.OneOrMore,
        };
        marks.Validators.Add(r =>
        {
            if (NodeMarks.Parse(r.Tokens.Select(t => t.Value), name, taints).Error is { } error)
            {
                r.AddError(error);
            }
        });
        var evict = new Option<bool>("--evict") { Description = "Then move off the node every task that does not tolerate its taints, as a drain does" };
        var command = new Command(name, taints
            ? "Taint a node live: only tasks that tolerate its taints are placed there from now on (kept over restarts)"
            : "Label a node live, over its daemon's labels, for node selectors and spread groups (kept over restarts)")
        {
            node, marks,
        };
        if (taints)
        {
            command.Add(evict);
        }

        command.SetAction(async (r, ct) =>
        {
            await using var client = await ConnectAsync(r, ct);
            var (id, change) = (r.GetValue(node)!, NodeMarks.Parse(r.GetValue(marks)!, name, taints).Marks);
            NodeSnapshot? snapshot;
            try
            {
                snapshot = await Answer(r, OnKnownNode(taints ? client.TaintNodeAsync(id, change, ct) : client.LabelNodeAsync(id, change, ct)));
            }
            catch (ArgumentException ex) when (ex.ParamName == "change")
            {
                throw new CliException($"{name}: {ex.Message.Split(" (Parameter")[0]}", ExitCodes.Failed);
            }

            var now = taints ? snapshot?.Taints : snapshot?.Labels;
            await output.WriteLineAsync($"{id} {(taints ? "taints" : "labels")}: {(now is { Count: > 0 } ? Views.Pairs(now) : "none")}");
            if (!taints || !r.GetValue(evict))
            {
                return ExitCodes.Ok;
            }

            var moved = await Answer(r, OnKnownNode(client.EvictUntoleratedAsync(id, ct)));
            await output.WriteLineAsync($"{moved.Evicted.Length} task(s) that do not tolerate them moved off it{(moved.Evicted.IsEmpty ? "" : ": " + string.Join(' ', moved.Evicted))}");
            if (!moved.Left.IsEmpty)
            {
                await output.WriteLineAsync($"not moved yet (starting): {string.Join(' ', moved.Left)}; run it again");
                return ExitCodes.Failed;
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    // The largest job array one submit makes.
    private const int MaxArray = 10_000;

    private static readonly Dictionary<string, string> QuotaFlags = new(StringComparer.Ordinal)
    {
        ["quota.gpuPercent"] = "--gpu-percent", ["quota.gpuMemoryMiB"] = "--gpu-memory", ["quota.tasks"] = "--tasks", ["quota.weight"] = "--weight", ["quota.borrow"] = "--borrow",
        ["quota.maxPriority"] = "--max-priority", ["quota.onlineGpuPercent"] = "--online-gpu-percent", ["quota.gpuHoursPerMonth"] = "--gpu-hours-month", ["quota.idleTimeout"] = "--idle-timeout",
    };

    /// <summary><c>orion quota --default</c>: shows the pool's default quota, sets it (the limits given; the rest none) or clears it.</summary>
    private async Task<int> DefaultQuota(ParseResult r, string? tenant, bool setting, bool clear, TenantQuota quota, CancellationToken ct)
    {
        if (tenant is not null)
        {
            throw new CliException("--default is the pool's quota, not a tenant's: name no tenant", ExitCodes.BadInput);
        }

        if (PoolSettingsRules.CheckDefaultQuota(setting ? quota : null) is { IsEmpty: false } errors)
        {
            throw new CliException(string.Join("; ", errors.Select(e => $"{QuotaFlags[e.Field]} {e.Rule}")), ExitCodes.BadInput);
        }

        await using var client = await ConnectAsync(r, ct);
        var settings = setting || clear
            ? await Answer(r, client.SetDefaultQuotaAsync(setting ? quota : null, ct))
            : await Answer(r, client.GetSettingsAsync(ct));
        Print(r, settings.DefaultQuota, q => new Spectre.Console.Text($"default quota: {Views.DefaultQuota(q)}{Environment.NewLine}"));
        return ExitCodes.Ok;
    }

    private Command UsageCommand()
    {
        var tenant = new Argument<string?>("tenant") { Description = "The tenant (none: every tenant with usage)", Arity = ArgumentArity.ZeroOrOne };
        TokenRule(tenant.Validators, TenantName.IsValid, $"tenant: {TenantName.Rule}");
        var from = new Option<string?>("--from") { Description = "The first UTC day, YYYY-MM-DD (default: --days before --to)" };
        var to = new Option<string?>("--to") { Description = "The last UTC day, YYYY-MM-DD, included (default: today)" };
        var days = new Option<int>("--days") { Description = "Days counted back from --to, when --from is not given", DefaultValueFactory = _ => 30 };
        foreach (var day in new[] { from, to })
        {
            day.Validators.Add(r =>
            {
                if (UtcDays.Parse(r.GetValueOrDefault<string?>()) is null)
                {
                    r.AddError($"{day.Name}: '{r.GetValueOrDefault<string?>()}' is not a day (YYYY-MM-DD)");
                }
            });
        }

        days.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > TenantConsumption.MaxDays)
            {
                r.AddError($"--days: must be 1 to {TenantConsumption.MaxDays}");
            }
        });
        var byLabel = new Option<string?>("--by-label") { Description = "Split each tenant's usage by the value of this label of its tasks (their --label), e.g. project" };
        TokenRule(byLabel.Validators, NodeLabels.IsValidKey, $"--by-label: a label's key {NodeLabels.KeyRule}");
        var byDataCenter = new Option<bool>("--by-data-centre") { Description = "Split each tenant's usage by the data centre its runs were in, for chargeback by site" };
        var csv = new Option<bool>("--csv") { Description = "Print CSV (a row per tenant, or per label value: tenant,label,from,to,card_hours,gpu_memory_gib_hours,runs_ended,running_now; by data centre: data_centre for label) for chargeback" };
        var daily = new Option<bool>("--daily") { Description = "With --csv: a row per tenant (or label value) and UTC day with anything held (tenant,label,day,card_hours,gpu_memory_gib_hours,runs_ended)" };
        var command = new Command("usage", "What each tenant's tasks held, for showback and chargeback: card-hours of compute and GiB-hours of GPU memory from placement until let go (runs under way count up to now)")
        {
            tenant, from, to, days, byLabel, byDataCenter, csv, daily,
        };
        command.SetAction(async (r, ct) =>
        {
            var last = r.GetValue(to) is { } t ? UtcDays.Parse(t)!.Value : DateOnly.FromDateTime(DateTime.UtcNow);
            var first = r.GetValue(from) is { } f ? UtcDays.Parse(f)!.Value : last.AddDays(1 - r.GetValue(days));
            if (first > last)
            {
                throw new CliException($"--from: {first:yyyy-MM-dd} is after --to ({last:yyyy-MM-dd})", ExitCodes.BadInput);
            }

            if (last.DayNumber - first.DayNumber + 1 > TenantConsumption.MaxDays)
            {
                throw new CliException($"--from: the span must be at most {TenantConsumption.MaxDays} days", ExitCodes.BadInput);
            }

            if (r.GetValue(csv) && r.GetValue(json))
            {
                throw new CliException("--csv and --json: give one", ExitCodes.BadInput);
            }

            if (r.GetValue(daily) && !r.GetValue(csv))
            {
                throw new CliException("--daily: only with --csv (--json gives each day already)", ExitCodes.BadInput);
            }

            if (r.GetValue(byDataCenter) && r.GetValue(byLabel) is not null)
            {
                throw new CliException("--by-data-centre and --by-label: usage splits one way at a time, give one", ExitCodes.BadInput);
            }

            await using var client = await ConnectAsync(r, ct);
            var usage = await Answer(r, r.GetValue(byDataCenter)
                ? client.GetConsumptionByDataCenterAsync(first, last, r.GetValue(tenant), ct)
                : client.GetConsumptionAsync(first, last, r.GetValue(tenant), r.GetValue(byLabel), ct));
            if (r.GetValue(csv))
            {
                await (r.GetValue(daily) ? UsageCsv.WriteDailyAsync(output, usage, ct) : UsageCsv.WriteAsync(output, usage, ct));
                return ExitCodes.Ok;
            }

            Print(r, usage, c => Views.Consumption(c, first, last));
            return ExitCodes.Ok;
        });
        return command;
    }

    private Command QuotaCommand()
    {
        var tenant = new Argument<string?>("tenant") { Description = "The tenant (none: every tenant with a quota)", Arity = ArgumentArity.ZeroOrOne };
        TokenRule(tenant.Validators, TenantName.IsValid, $"tenant: {TenantName.Rule}");
        var percent = new Option<double?>("--gpu-percent") { Description = "Compute over all its live tasks, percent of one card (400 = four cards)" };
        var memory = new Option<string?>("--gpu-memory") { Description = "GPU memory over all its live tasks, e.g. 200GiB" };
        var tasks = new Option<int?>("--tasks") { Description = "Live tasks" };
        var online = new Option<double?>("--online-gpu-percent") { Description = "Compute over its online tasks only, percent of one card (online work preempts lower work at once)" };
        var weight = new Option<double?>("--weight") { Description = "Its fair-share weight (default 1): 2 is offered room until it holds twice the share of a tenant of 1" };
        var borrow = new Option<bool>("--borrow") { Description = "With --gpu-percent or --gpu-memory: lend it idle room beyond them (work that is not online runs there, and is evicted when a task within its quota needs the room)" };
        var maxPriority = new Option<string?>("--max-priority")
        {
            Description = "The highest priority class its tasks may have: offline, training, online, or any (no cap); online work preempts lower work at once",
        };
        maxPriority.AcceptOnlyFromAmong("offline", "training", "online", "any");
        var budget = new Option<string?>("--gpu-hours-month")
        {
            Description = "A budget of card-hours per calendar month (UTC), or none: once spent, its new tasks wait for the next month (running work runs on)",
        };
        TokenRule(budget.Validators, t => t == "none" || double.TryParse(t, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _),
            "--gpu-hours-month: must be a number of card-hours or none");
        var idle = new Option<string?>("--idle-timeout")
        {
            Description = "The longest any of its tasks may leave its cards idle before the pool stops it (e.g. 2h; a task's own may be shorter), or none",
        };
        TokenRule(idle.Validators, t => t == "none" || Durations.Parse(t) is not null, $"--idle-timeout: must be a duration ({Durations.Rule}) or none");
        var clear = new Option<bool>("--clear") { Description = "Remove the quota" };
        var pool = new Option<bool>("--default")
        {
            Description = "The pool's default quota instead of a tenant's: it binds every tenant without limits of its own, set live for every silo (no weight: each tenant keeps its own)",
        };
        var command = new Command(
            "quota",
            "Show a tenant's quota and use (no tenant: every quota); limits given replace its limits (those not given are none) and keep its weight, priority cap, monthly budget and idle timeout; each of those given alone keeps the rest; --clear removes all")
        {
            tenant, percent, memory, tasks, online, borrow, weight, maxPriority, budget, idle, clear, pool,
        };
        command.SetAction(async (r, ct) =>
        {
            var name = r.GetValue(tenant);
            var limiting = r.GetValue(percent) is not null || r.GetValue(memory) is not null || r.GetValue(tasks) is not null || r.GetValue(online) is not null || r.GetValue(borrow);
            var capping = r.GetValue(maxPriority) is not null;
            var budgeting = r.GetValue(budget) is not null;
            var idling = r.GetValue(idle) is not null;
            var setting = limiting || r.GetValue(weight) is not null || capping || budgeting || idling;
            if (setting && r.GetValue(clear))
            {
                throw new CliException("--clear takes no limits, weight, priority cap, budget or idle timeout", ExitCodes.BadInput);
            }

            var quota = new TenantQuota(r.GetValue(percent), r.GetValue(memory) is { } m ? SpecBuilder.ParseMiB(m, "--gpu-memory") : null, r.GetValue(tasks), r.GetValue(weight),
                r.GetValue(borrow) ? true : null, r.GetValue(maxPriority) is { } cap and not "any" ? Enum.Parse<PriorityClass>(cap, ignoreCase: true) : null, r.GetValue(online),
                r.GetValue(budget) is { } hours and not "none" ? double.Parse(hours, System.Globalization.CultureInfo.InvariantCulture) : null,
                r.GetValue(idle) is { } timeout and not "none" ? Durations.Parse(timeout) : null);
            if (r.GetValue(pool))
            {
                return await DefaultQuota(r, name, setting, r.GetValue(clear), quota, ct);
            }

            if (name is null)
            {
                if (setting || r.GetValue(clear))
                {
                    throw new CliException("tenant: name the tenant whose quota to set or clear", ExitCodes.BadInput);
                }

                await using var all = await ConnectAsync(r, ct);
                Print(r, await Answer(r, all.ListQuotasAsync(ct)), Views.Tenants);
                return ExitCodes.Ok;
            }

            if (quota.Validate() is { IsEmpty: false } errors)
            {
                throw new CliException(string.Join("; ", errors.Select(e => $"{QuotaFlags[e.Field]} {e.Rule}")), ExitCodes.BadInput);
            }

            await using var client = await ConnectAsync(r, ct);
            if (setting && (!limiting || r.GetValue(weight) is null || !capping || !budgeting || !idling))
            {
                // Limits, weight, priority cap, budget and idle timeout change apart: what is not given of them stays as it is.
                // The pool's default is not the tenant's own: only its own weight, and an idle timeout other than the
                // default's (its own), are kept from it.
                var now = await Answer(r, client.GetTenantAsync(name, ct));
                var current = now.Quota;
                if (now.QuotaIsDefault)
                {
                    var defaultIdle = (await Answer(r, client.GetSettingsAsync(ct))).DefaultQuota?.IdleTimeout;
                    current = new TenantQuota(Weight: now.Quota?.Weight, IdleTimeout: now.Quota?.IdleTimeout == defaultIdle ? null : now.Quota?.IdleTimeout);
                }

                if (!limiting)
                {
                    quota = quota with
                    {
                        GpuPercent = current?.GpuPercent, GpuMemoryMiB = current?.GpuMemoryMiB, Tasks = current?.Tasks, Borrow = current?.Borrow,
                        OnlineGpuPercent = current?.OnlineGpuPercent,
                    };
                }

                quota = quota with
                {
                    Weight = r.GetValue(weight) is null ? current?.Weight : quota.Weight,
                    MaxPriority = capping ? quota.MaxPriority : current?.MaxPriority,
                    GpuHoursPerMonth = budgeting ? quota.GpuHoursPerMonth : current?.GpuHoursPerMonth,
                    IdleTimeout = idling ? quota.IdleTimeout : current?.IdleTimeout,
                };
            }

            var usage = setting || r.GetValue(clear)
                ? await Answer(r, client.SetQuotaAsync(name, setting ? quota : null, ct))
                : await Answer(r, client.GetTenantAsync(name, ct));
            Print(r, usage, Views.Tenant);
            return ExitCodes.Ok;
        });
        return command;
    }

    private Command ConfigCommand()
    {
        var policy = new Option<string?>("--policy") { Description = "Placement policy: fragmentation, best-fit, gpu-packing, spread, dot-product or random" };
        TokenRule(policy.Validators, PoolSettingsRules.IsPolicy, $"--policy: {PoolSettingsRules.PolicyRule}");
        var compute = new Option<double?>("--oversubscription") { Description = "Allocatable compute per card as a multiple of the card (1 to 100)" };
        var memory = new Option<double?>("--memory-oversubscription") { Description = "Allocatable GPU memory per card as a multiple of the device (1 to 100)" };
        foreach (var factor in new[] { compute, memory })
        {
            factor.Validators.Add(r =>
            {
                if (r.GetValueOrDefault<double?>() is { } f && !PoolSettingsRules.IsOversubscription(f))
                {
                    r.AddError($"{factor.Name}: must be 1 to 100");
                }
            });
        }

        var evict = new Option<string?>("--evict-lower-priority")
        {
            Description = "true: a higher-class task that fits nowhere evicts running lower-class work (it queues again); false: it waits",
        };
        TokenRule(evict.Validators, t => bool.TryParse(t, out _), "--evict-lower-priority: must be true or false");
        var consolidate = new Option<string?>("--consolidate")
        {
            Description = "true: a task that fits nowhere, the free room being scattered, has running offline work moved to other nodes where it fits now (its run starts again); false: it waits",
        };
        TokenRule(consolidate.Validators, t => bool.TryParse(t, out _), "--consolidate: must be true or false");
        var halfLife = new Option<string?>("--fair-share-half-life")
        {
            Description = "Fair share by usage history: past use counts beside what tenants hold now, halving per this span of age (1h to 30d, such as 7d); off: holdings now only",
        };
        TokenRule(halfLife.Validators, t => HalfLife(t) is { } h && FairShare.IsHalfLife(h), "--fair-share-half-life: must be off or from 1h to 30d (such as 7d)");
        var fairEviction = new Option<string?>("--fair-share-eviction")
        {
            Description = "true: a task that fits nowhere evicts running offline work of tenants over their fair share (it queues again); false: it waits",
        };
        TokenRule(fairEviction.Validators, t => bool.TryParse(t, out _), "--fair-share-eviction: must be true or false");
        var command = new Command("config", "Show the pool's live settings; with values, change them for every silo at once") { policy, compute, memory, evict, consolidate, halfLife, fairEviction };
        command.SetAction(async (r, ct) =>
        {
            await using var client = await ConnectAsync(r, ct);
            PoolSettings settings;
            if (r.GetValue(policy) is null && r.GetValue(compute) is null && r.GetValue(memory) is null && r.GetValue(evict) is null && r.GetValue(consolidate) is null
                && r.GetValue(halfLife) is null && r.GetValue(fairEviction) is null)
            {
                settings = await Answer(r, client.GetSettingsAsync(ct));
            }
            else
            {
                try
                {
                    settings = await Answer(r, client.UpdateSettingsAsync(r.GetValue(policy), r.GetValue(compute), r.GetValue(memory),
                        r.GetValue(evict) is { } on ? bool.Parse(on) : null, r.GetValue(consolidate) is { } moves ? bool.Parse(moves) : null,
                        HalfLife(r.GetValue(halfLife)), r.GetValue(fairEviction) is { } fair ? bool.Parse(fair) : null, ct));
                }
                catch (ArgumentException ex)
                {
                    throw new CliException(ex.Message.Split(" (Parameter")[0], ExitCodes.Failed);
                }
            }

            Print(r, settings, Views.Settings);
            return ExitCodes.Ok;
        });
        return command;
    }

    // --fair-share-half-life: a duration, or off (0 also).
    private static TimeSpan? HalfLife(string? text) =>
        text is null ? null : text.Trim() is "off" or "0" ? TimeSpan.Zero : Durations.Parse(text);

    /// <summary>An unknown node is the cluster's no (exit 1), said in one line.</summary>
    private static async Task<T> OnKnownNode<T>(Task<T> call)
    {
        try
        {
            return await call;
        }
        catch (ArgumentException ex) when (ex.ParamName is "nodeId" or "gpuId")
        {
            throw new CliException($"{(ex.ParamName == "gpuId" ? "card" : "node")}: {ex.Message.Split(" (Parameter")[0]}", ExitCodes.Failed);
        }
    }

    private Command WatchCommand()
    {
        var id = new Argument<string?>("task") { Description = "A task to follow until it ends; without it, the pool's cards", Arity = ArgumentArity.ZeroOrOne };
        TaskIdRule(id.Validators, "task");
        var count = new Option<int>("--count") { Description = "Stop after this many updates (0 = until the task ends or Ctrl+C)" };
        var interval = new Option<double>("--interval") { Description = "Seconds between pool refreshes", DefaultValueFactory = _ => 1 };
        var command = new Command("watch", "Live table of a task, or of the pool's cards") { id, count, interval };
        command.SetAction(async (r, ct) =>
        {
            await using var client = await ConnectAsync(r, ct);
            if (r.GetValue(id) is { } taskId)
            {
                var seen = 0;
                try
                {
                    await foreach (var s in client.WatchAsync(taskId, ct))
                    {
                        seen++;
                        if (r.GetValue(json))
                        {
                            await output.WriteLineAsync(JsonSerializer.Serialize(PoolSummarizer.Task(s), Json));
                        }
                        else
                        {
                            Console.Write(Views.Tasks([PoolSummarizer.Task(s)]));
                        }

                        if (r.GetValue(count) > 0 && seen >= r.GetValue(count))
                        {
                            return ExitCodes.Ok;
                        }
                    }
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested && seen > 0)
                {
                    // Ctrl+C is how a watch ends before its task does.
                    return ExitCodes.Ok;
                }

                return seen == 0 ? throw NotFound(taskId) : ExitCodes.Ok;
            }

            await Live(r, client, p => Views.Gpus(p.Cards), r.GetValue(count), r.GetValue(interval), ct);
            return ExitCodes.Ok;
        });
        return command;
    }

    private Command TopCommand()
    {
        var count = new Option<int>("--count") { Description = "Stop after this many refreshes (0 = until Ctrl+C)" };
        var interval = new Option<double>("--interval") { Description = "Seconds between refreshes", DefaultValueFactory = _ => 1 };
        var command = new Command("top", "The pool at a glance, refreshed live: busiest cards and live tasks") { count, interval };
        command.SetAction(async (r, ct) =>
        {
            await using var client = await ConnectAsync(r, ct);
            await Live(r, client, Views.Top, r.GetValue(count), r.GetValue(interval), ct);
            return ExitCodes.Ok;
        });
        return command;
    }

    private Command LogsCommand()
    {
        var id = new Argument<string>("task") { Description = "The task" };
        TaskIdRule(id.Validators, "task");
        var follow = new Option<bool>("--follow", "-f") { Description = "Then print its log as it grows, until the task ends (or Ctrl+C)" };
        var tail = new Option<int?>("--tail") { Description = "Only the last this many lines (of the log's last MiB)" };
        TokenRule(tail.Validators, t => int.TryParse(t, out var n) && n >= 0, "--tail: must be 0 or more");
        var generation = new Option<long?>("--generation", "-g") { Description = "The log of this run (orion get lists its runs), an earlier one after a restart, say; not with --follow" };
        TokenRule(generation.Validators, t => long.TryParse(t, out var n) && n >= 1, "--generation: must be 1 or more");
        var command = new Command("logs", "A task's log from the node it ran on: a process's output (NVIDIA nodes with --task-logs), or the simulator's account of its workload")
        {
            id, tail, follow, generation,
        };
        command.SetAction(async (r, ct) =>
        {
            await using var client = await ConnectAsync(r, ct);
            var taskId = r.GetValue(id)!;
            var run = r.GetValue(generation);
            async Task<CliException> Missing() => await Answer(r, client.GetAsync(taskId, ct)) is null ? NotFound(taskId)
                : run is null ? NoLog(taskId)
                : new CliException($"no log of task {taskId}'s run {run}: no such run, it never started, or its node keeps no log of it", ExitCodes.Failed);
            string Tail(string text) => r.GetValue(tail) is not { } lines ? text
                : string.Concat(text.Split('\n').SkipLast(text.EndsWith('\n') ? 1 : 0).TakeLast(lines).Select(l => l + "\n"));
            if (run is not null && r.GetValue(follow))
            {
                throw new CliException("--follow: follows the latest run; --generation reads one run's log", ExitCodes.BadInput);
            }

            if (!r.GetValue(follow))
            {
                var piece = await Answer(r, run is { } asked
                    ? client.ReadRunLogAsync(taskId, asked, -TaskLogChunk.MaxBytes, TaskLogChunk.MaxBytes, ct)
                    : client.ReadLogAsync(taskId, -TaskLogChunk.MaxBytes, TaskLogChunk.MaxBytes, ct));
                if (piece is null)
                {
                    throw await Missing();
                }

                await output.WriteAsync(Tail(piece.Text));
                return ExitCodes.Ok;
            }

            var (first, any) = (true, false);
            try
            {
                await foreach (var text in client.FollowLogAsync(taskId, -TaskLogChunk.MaxBytes, ct))
                {
                    await output.WriteAsync(first ? Tail(text) : text);
                    await output.FlushAsync(ct);
                    (first, any) = (false, true);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // Ctrl+C is how a follow ends before its task does.
                return ExitCodes.Ok;
            }

            if (!any)
            {
                throw await Missing();
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static CliException NoLog(string taskId) =>
        new($"task {taskId} has no log: it has not run yet, or its node keeps none (an NVIDIA node keeps one when its daemon has --task-logs)", ExitCodes.Failed);

    private Command EventsCommand()
    {
        var task = new Option<string?>("--task") { Description = "Only this task's events" };
        TaskIdRule(task.Validators, "--task");
        var node = new Option<string?>("--node") { Description = "Only events on this node (dc/node) or its cards" };
        var kind = new Option<string?>("--kind") { Description = $"Only this kind: {string.Join(", ", PoolEventKinds.All)}" };
        TokenRule(kind.Validators, PoolEventKinds.All.Contains, $"--kind: must be one of {string.Join(", ", PoolEventKinds.All)}");
        var limit = new Option<int>("--limit") { Description = $"The newest this many (1..{PoolEvent.FeedCapacity})", DefaultValueFactory = _ => 20 };
        TokenRule(limit.Validators, t => int.TryParse(t, out var n) && n is >= 1 and <= PoolEvent.FeedCapacity, $"--limit: must be 1..{PoolEvent.FeedCapacity}");
        var follow = new Option<bool>("--follow", "-f") { Description = "Then print each new event as it comes, until Ctrl+C" };
        var count = new Option<int>("--count") { Description = "With --follow: stop once this many events are printed, the recent ones included (0 = until Ctrl+C)" };
        TokenRule(count.Validators, t => int.TryParse(t, out var n) && n >= 0, "--count: must be 0 or more");
        var command = new Command("events", $"The pool's recent events (the feed keeps the newest {PoolEvent.FeedCapacity}): placements, preemptions, swaps, quota decisions, evictions")
        {
            task, node, kind, limit, follow, count,
        };
        command.SetAction(async (r, ct) =>
        {
            if (r.GetValue(count) > 0 && !r.GetValue(follow))
            {
                throw new CliException("--count: applies with --follow", ExitCodes.BadInput);
            }

            await using var client = await ConnectAsync(r, ct);
            var (taskId, nodeId, only) = (r.GetValue(task), r.GetValue(node), r.GetValue(kind));
            bool Wanted(PoolEvent e) =>
                (taskId is null || e.TaskId == taskId) && (only is null || e.Kind == only)
                && (nodeId is null || e.Where == nodeId || e.Where.StartsWith(nodeId + "/", StringComparison.Ordinal));
            var recent = await Answer(r, client.GetEventsAsync(0, PoolEvent.FeedCapacity, ct));
            var shown = recent.Where(Wanted).TakeLast(r.GetValue(limit)).ToList();
            if (!r.GetValue(follow))
            {
                Print(r, shown, Views.Events);
                return ExitCodes.Ok;
            }

            foreach (var e in shown)
            {
                await output.WriteLineAsync(EventLine(r, e));
            }

            var (last, seen) = (recent.IsEmpty ? 0 : recent[^1].Sequence, shown.Count);
            if (r.GetValue(count) is > 0 and var enough && seen >= enough)
            {
                return ExitCodes.Ok;
            }

            try
            {
                await foreach (var e in client.WatchEventsAsync(last, ct))
                {
                    if (e.Sequence > last + 1 && !r.GetValue(json))
                    {
                        // The feed moved on faster than it was read, or started again (its numbers then jump by its clock,
                        // which counts nothing; a jump of half a million is taken for that): say so, with a count only where it can be one.
                        var unread = e.Sequence - last - 1;
                        await output.WriteLineAsync(unread < PoolEvent.FeedCapacity * 1000L
                            ? $"… {unread} event(s) came and went unread (the feed keeps the newest {PoolEvent.FeedCapacity})"
                            : "… the feed started again: events since the last one shown may have gone unread");
                    }

                    last = e.Sequence;
                    if (Wanted(e))
                    {
                        await output.WriteLineAsync(EventLine(r, e));
                        if (++seen == r.GetValue(count))
                        {
                            return ExitCodes.Ok;
                        }
                    }
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // Ctrl+C is how a follow ends.
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private string EventLine(ParseResult r, PoolEvent e) =>
        r.GetValue(json) ? JsonSerializer.Serialize(e, Json) : $"{e.At:HH:mm:ss.fff}  {e.Kind,-13} {e.TaskId,-20} {e.Where,-18} {e.Detail}";

    private Command PoolCommand<T>(string name, string description, Func<PoolSummary, Spectre.Console.Rendering.IRenderable> view, Func<PoolSummary, T> data)
    {
        var dc = new Option<string?>("--dc") { Description = "Only this data centre" };
        var node = new Option<string?>("--node") { Description = "Only this node" };
        var tenant = new Option<string?>("--tenant", "-t") { Description = "Only this tenant's slices" };
        var command = new Command(name, description) { dc, node, tenant };
        command.SetAction(async (r, ct) =>
        {
            await using var client = await ConnectAsync(r, ct);
            var pool = new PoolFilter(r.GetValue(dc), r.GetValue(node), r.GetValue(tenant)).Apply(await Answer(r, client.GetPoolAsync(0, ct)));
            if (r.GetValue(json))
            {
                await output.WriteLineAsync(JsonSerializer.Serialize(data(pool), Json));
            }
            else
            {
                Console.Write(view(pool));
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Redraws in place on a terminal; prints one view per refresh when the output is a file or a pipe.</summary>
    private async Task Live(ParseResult r, OrionClient client, Func<PoolSummary, Spectre.Console.Rendering.IRenderable> view, int count, double interval, CancellationToken ct)
    {
        try
        {
            await Refresh(r, client, view, count, interval, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Ctrl+C is how a live view ends.
        }
    }

    private async Task Refresh(ParseResult r, OrionClient client, Func<PoolSummary, Spectre.Console.Rendering.IRenderable> view, int count, double interval, CancellationToken ct)
    {
        var period = TimeSpan.FromSeconds(Math.Max(0.1, interval));
        if (!Console.Profile.Capabilities.Interactive || r.GetValue(json))
        {
            for (var i = 0; count == 0 || i < count; i++)
            {
                var pool = await Answer(r, client.GetPoolAsync(20, ct));
                if (r.GetValue(json))
                {
                    await output.WriteLineAsync(JsonSerializer.Serialize(pool, Json));
                }
                else
                {
                    Console.Write(view(pool));
                }

                if (count == 0 || i + 1 < count)
                {
                    await Task.Delay(period, ct);
                }
            }

            return;
        }

        var first = await Answer(r, client.GetPoolAsync(20, ct));
        await Console.Live(view(first)).StartAsync(async ctx =>
        {
            for (var i = 1; count == 0 || i < count; i++)
            {
                await Task.Delay(period, ct);
                ctx.UpdateTarget(view(await Answer(r, client.GetPoolAsync(20, ct))));
            }
        });
    }

    private void Print<T>(ParseResult r, T value, Func<T, Spectre.Console.Rendering.IRenderable> view)
    {
        if (r.GetValue(json))
        {
            output.WriteLine(JsonSerializer.Serialize(value, Json));
        }
        else
        {
            Console.Write(view(value));
        }
    }

    private async Task<OrionClient> ConnectAsync(ParseResult r, CancellationToken ct)
    {
        var text = r.GetValue(gateway) ?? Environment.GetEnvironmentVariable("ORION_GATEWAY") ?? "localhost:30000";
        var endpoint = await ParseGateway(text);
        var options = new OrionClientOptions { Token = r.GetValue(token) ?? Environment.GetEnvironmentVariable("ORION_TOKEN"), UseTls = r.GetValue(tls) };
        if ((r.GetValue(clusterId) ?? Environment.GetEnvironmentVariable("ORION_CLUSTER_ID")) is { Length: > 0 } cluster)
        {
            options.ClusterId = cluster;
        }

        if ((r.GetValue(tlsTrust) ?? Environment.GetEnvironmentVariable("ORION_TLS_TRUST")) is { Length: > 0 } trust)
        {
            try
            {
                options.TrustedCertificate = CertificateTrust.Load(trust);
            }
            catch (ArgumentException ex)
            {
                throw new CliException("--tls-trust: " + ex.Message, ExitCodes.BadInput);
            }
        }

        var key = r.GetValue(tlsKey) ?? Environment.GetEnvironmentVariable("ORION_TLS_KEY");
        if ((r.GetValue(tlsCert) ?? Environment.GetEnvironmentVariable("ORION_TLS_CERT")) is { Length: > 0 } certificate)
        {
            try
            {
                options.ClientCertificate = ClientCertificate.Load(certificate, key);
            }
            catch (ArgumentException ex)
            {
                throw new CliException("--tls-cert: " + ex.Message, ExitCodes.BadInput);
            }
        }
        else if (key is { Length: > 0 })
        {
            throw new CliException("--tls-key: is the key of --tls-cert, which is not given", ExitCodes.BadInput);
        }

        options.Gateways.Add(endpoint);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(TimeSpan.FromSeconds(Math.Max(1, r.GetValue(timeout))));
        try
        {
            // A closed port fails at once here; the Orleans client alone would retry until the timeout.
            using (var probe = new TcpClient(endpoint.AddressFamily))
            {
                await probe.ConnectAsync(endpoint, limit.Token);
            }

            return await OrionClient.ConnectAsync(options, limit.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new CliException($"cannot reach the cluster at {text}: no answer in {r.GetValue(timeout)} s", ExitCodes.Unreachable);
        }
        catch (Exception ex) when (IsUnreachable(ex))
        {
            throw new CliException($"cannot reach the cluster at {text}: {OneLine(ex.Message)}", ExitCodes.Unreachable);
        }
    }

    /// <summary>Bounds a grain call by --timeout, so a cluster that went away fails with a reason instead of hanging.</summary>
    private async Task<T> Answer<T>(ParseResult r, Task<T> call)
    {
        try
        {
            return await call.WaitAsync(TimeSpan.FromSeconds(Math.Max(1, r.GetValue(timeout))));
        }
        catch (TimeoutException)
        {
            throw new CliException($"the cluster did not answer in {r.GetValue(timeout)} s", ExitCodes.Unreachable);
        }
    }

    private static async Task<IPEndPoint> ParseGateway(string text)
    {
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text[(colon + 1)..], out var port) || port is <= 0 or > 65535)
        {
            throw new CliException($"--gateway: '{text}' is not host:port", ExitCodes.BadInput);
        }

        var host = text[..colon];
        if (IPAddress.TryParse(host.Trim('[', ']'), out var ip))
        {
            return new IPEndPoint(ip, port);
        }

        try
        {
            var addresses = await Dns.GetHostAddressesAsync(host);
            return new IPEndPoint(addresses.OrderBy(a => a.AddressFamily == AddressFamily.InterNetwork ? 0 : 1).First(), port);
        }
        catch (SocketException ex)
        {
            throw new CliException($"--gateway: cannot resolve '{host}': {ex.Message}", ExitCodes.Unreachable);
        }
    }

    /// <summary>A repeatable <c>key=value</c> option, checked by the rules of labels as it is parsed.</summary>
    internal static Option<string[]> Labels(string name, string description)
    {
        var option = new Option<string[]>(name) { Description = description, AllowMultipleArgumentsPerToken = false };
        option.Validators.Add(r =>
        {
            if (NodeLabels.Parse(r.Tokens.Select(t => t.Value), name).Error is { } error)
            {
                r.AddError(error);
            }
        });
        return option;
    }

    /// <summary>The labels a <see cref="Labels"/> option was given; null for none.</summary>
    internal static Dictionary<string, string>? LabelsOf(ParseResult r, Option<string[]> option) =>
        r.GetValue(option) is { Length: > 0 } pairs ? new(NodeLabels.Parse(pairs, option.Name).Labels, StringComparer.Ordinal) : null;

    /// <summary>An option given once per value, each value checked at parse time and named with the rule it breaks.</summary>
    internal static Option<string[]> Repeated(string name, string description, Func<string, bool> valid, string rule)
    {
        var option = new Option<string[]>(name) { Description = description, AllowMultipleArgumentsPerToken = false };
        option.Validators.Add(r =>
        {
            if (r.Tokens.FirstOrDefault(t => !valid(t.Value)) is { } bad)
            {
                r.AddError($"{name}: '{bad.Value}' {rule}");
            }
        });
        return option;
    }

    private static void TaskIdRule<T>(List<Action<T>> validators, string name)
        where T : System.CommandLine.Parsing.SymbolResult =>
        TokenRule(validators, TaskIdFormat.IsValid, $"{name}: a task id {TaskIdFormat.Rule}");

    /// <summary>A parse-time check of every value given: one that breaks the rule is bad input before anything connects.</summary>
    private static void TokenRule<T>(List<Action<T>> validators, Func<string, bool> valid, string error)
        where T : System.CommandLine.Parsing.SymbolResult
    {
        validators.Add(r =>
        {
            if (r.Tokens.Any(t => !valid(t.Value)))
            {
                r.AddError(error);
            }
        });
    }

    /// <summary>A spec file's text; one that exists but cannot be read is bad input too, not a stack trace.</summary>
    internal static async Task<string> ReadSpecFile(FileInfo file, CancellationToken ct)
    {
        try
        {
            return await File.ReadAllTextAsync(file.FullName, ct);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"--file: cannot read {file.FullName}: {OneLine(ex.Message)}", ExitCodes.BadInput);
        }
    }

    private static bool IsUnreachable(Exception ex) =>
        ex is SocketException or TimeoutException or OrleansMessageRejectionException or SiloUnavailableException
        || (ex.InnerException is { } inner && IsUnreachable(inner))
        || (ex is AggregateException agg && agg.InnerExceptions.Any(IsUnreachable));

    private static CliException NotFound(string id) => new($"no task with id '{id}'", ExitCodes.Failed);

    private static string OneLine(string s) => s.Split('\n')[0].Trim();

    private static IAnsiConsole CreateConsole(TextWriter writer)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer) });
        if (!console.Profile.Capabilities.Interactive || ReferenceEquals(writer, System.Console.Out) && System.Console.IsOutputRedirected)
        {
            // A pipe or file has no width; keep rows whole so scripts can grep them.
            console.Profile.Width = 240;
        }

        return console;
    }
}
