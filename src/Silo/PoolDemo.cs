using Orion.Client;
using Orion.Contracts;
using Spectre.Console;

namespace Orion.Silo;

/// <summary>
/// The <c>--demo</c> verb: submits a mix of online services (one of them a deployment of two replicas), batches and
/// training jobs through the SDK, more than the pool holds at once, and shows them queue, run and complete in a live table.
/// </summary>
public sealed class PoolDemo(OrionClient client, IAnsiConsole console, TimeProvider time)
{
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        // Two replicas of one service, kept live by a deployment (one that ends is replaced) and on different nodes where
        // they can be, so that losing one machine leaves the other serving. On the default two nodes of four cards each node
        // then holds a slice of a card for good: training takes three cards at most.
        var chat = await client.DeployAsync("chat-api", ChatApi, 2, cancellationToken: cancellationToken);
        var submitted = chat.Tasks.Select(t => t.TaskId).ToList();
        foreach (var spec in Workload())
        {
            var status = await client.SubmitAsync(spec, cancellationToken: cancellationToken);
            submitted.Add(status.TaskId);
        }

        // A pipeline's last step: the index is built once every embedding batch has completed, and holds nothing till then.
        var embeddings = new List<string>();
        foreach (var id in submitted)
        {
            if ((await client.GetAsync(id, cancellationToken))!.Spec.Name.StartsWith("nightly-embed-", StringComparison.Ordinal))
            {
                embeddings.Add(id);
            }
        }

        var index = Spec("build-index", "search", PriorityClass.Offline, ResourceRequest.Slice(40, 16 * 1024, 4000, 16384), WorkloadSpec.Batch(100, 20))
            with { After = [.. embeddings], MaxRuntime = TimeSpan.FromHours(1) };
        submitted.Add((await client.SubmitAsync(index, cancellationToken: cancellationToken)).TaskId);

        var finite = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in submitted)
        {
            if ((await client.GetAsync(id, cancellationToken))!.Spec.Workload.Kind != WorkloadKind.Service)
            {
                finite.Add(id);
            }
        }

        var started = time.GetUtcNow();
        var table = new Table().Border(TableBorder.Rounded).Title("[bold]Orion pool demo[/]");
        foreach (var column in new[] { "Task", "Name", "Priority", "Resources", "State", "Placement", "Ran (s)" })
        {
            table.AddColumn(column);
        }

        await console.Live(table).StartAsync(async ctx =>
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var tasks = (await client.ListAsync(cancellationToken: cancellationToken))
                    .Where(t => submitted.Contains(t.TaskId)).OrderBy(t => submitted.IndexOf(t.TaskId)).ToList();
                table.Rows.Clear();
                foreach (var t in tasks)
                {
                    table.AddRow(Row(t));
                }

                var counts = tasks.GroupBy(t => t.State).OrderBy(g => g.Key).Select(g => $"{g.Key}: {g.Count()}");
                table.Caption($"{(time.GetUtcNow() - started).TotalSeconds:F0}s  ·  {string.Join("  ", counts)}");
                ctx.Refresh();
                if (tasks.Where(t => finite.Contains(t.TaskId)).All(t => t.State.IsTerminal()))
                {
                    break;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(250), time, cancellationToken);
            }
        });

        await client.DeleteDeploymentAsync("chat-api", "demo over", cancellationToken);
        foreach (var id in submitted.Except(finite))
        {
            await client.CancelAsync(id, "demo over", cancellationToken);
        }

        var final = await client.ListAsync(cancellationToken: cancellationToken);
        var completed = final.Count(t => finite.Contains(t.TaskId) && t.State == TaskState.Completed);
        console.MarkupLine($"[green]{completed}/{finite.Count}[/] batch and training tasks completed; services cancelled.");
        return completed == finite.Count ? 0 : 1;
    }

    private string[] Row(VGpuTaskStatus t)
    {
        var r = t.Spec.Resources;
        var resources = (r.IsSlice || r.GpuCount == 0 ? $"{r.ComputePercent:0.#}% · {r.GpuMemoryMiB / 1024} GiB" : $"{r.GpuCount}× whole")
            + (t.Spec.Gang is { } gang ? $" · gang {Markup.Escape(gang.Name)}" : "")
            + (t.Spec.Constraints.Spread is { } spread ? $" · spread {Markup.Escape(spread.Group)}" : "")
            + (t.Spec.After is { Count: > 0 } after ? $" · after {after.Count} task(s)" : "");
        var color = t.State switch
        {
            TaskState.Pending => "yellow",
            TaskState.Blocked => "olive",
            TaskState.Placing => "blue",
            TaskState.Running => "green",
            TaskState.Completed => "grey",
            _ => "red",
        };
        var placement = t.Placement is null ? "" : $"{t.Placement.NodeId.Split('/')[^1]}:{string.Join(",", t.Placement.GpuIds.Select(g => g.Split('/')[^1]))}";
        var ran = t.StartedAt is { } s ? ((t.EndedAt ?? time.GetUtcNow()) - s).TotalSeconds.ToString("F1") : "";
        return [t.TaskId, Markup.Escape(t.Spec.Name), t.Spec.Priority.ToString(), resources, $"[{color}]{t.State}[/]", placement, ran];
    }

    private static TaskSpec Spec(string name, string tenant, PriorityClass priority, ResourceRequest resources, WorkloadSpec workload) =>
        new(name, tenant, new TaskPriority(priority), resources, PlacementConstraints.None, workload);

    private static TaskSpec ChatApi => Spec("chat-api", "search", PriorityClass.Online, ResourceRequest.Slice(30, 20 * 1024, 4000, 16384), WorkloadSpec.Service(40, 5));

    private static IEnumerable<TaskSpec> Workload()
    {
        yield return Spec("embed-api", "search", PriorityClass.Online, ResourceRequest.Slice(20, 10 * 1024, 2000, 8192), WorkloadSpec.Service(100, 1));
        yield return Spec("rerank-api", "ads", PriorityClass.Online, ResourceRequest.Slice(10, 8 * 1024, 2000, 8192), WorkloadSpec.Service(50, 1.5));
        yield return Spec("ocr-api", "docs", PriorityClass.Online, ResourceRequest.Slice(25, 16 * 1024, 4000, 16384), WorkloadSpec.Service(30, 6));
        yield return Spec("llm-finetune", "research", PriorityClass.Training, ResourceRequest.WholeGpus(3, 12000, 98304), WorkloadSpec.Training(300, 50, 60 * 1024));
        // One distributed job of three workers: a gang, placed all together or not at all.
        for (var i = 0; i < 3; i++)
        {
            yield return Spec($"vision-train-{i}", "research", PriorityClass.Training, ResourceRequest.WholeGpus(1, 4000, 32768), WorkloadSpec.Training(400, 50, 50 * 1024))
                with { Gang = new GangSpec("vision-train", 3) };
        }

        for (var i = 0; i < 6; i++)
        {
            yield return Spec($"nightly-embed-{i}", "search", PriorityClass.Offline, ResourceRequest.Slice(50, 30 * 1024, 4000, 16384), WorkloadSpec.Batch(200, 40));
        }

        for (var i = 0; i < 4; i++)
        {
            yield return Spec($"transcode-{i}", "media", PriorityClass.Offline, ResourceRequest.Slice(100, 40 * 1024, 8000, 32768), WorkloadSpec.Batch(100, 80));
        }
    }
}
