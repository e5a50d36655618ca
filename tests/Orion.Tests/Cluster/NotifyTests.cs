using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Orion.Client;
using Orion.Contracts;
using Orleans.Core.Internal;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

/// <summary>An ended task's status POSTed to its spec's notify URL: a real HTTP receiver on loopback.</summary>
public sealed class NotifyTests
{
    private const string SigningKey = "a key the receiver shares with the pool, 32+";
    private const string PreviousKey = "the key the pool signed with until its rotation";

    [Fact]
    public async Task An_ended_tasks_status_is_posted_to_its_notify_url_again_after_a_refusal_and_a_host_not_allowed_is_refused_at_submit()
    {
        var answers = new ConcurrentQueue<HttpStatusCode>([HttpStatusCode.ServiceUnavailable, HttpStatusCode.NoContent]);
        await using var receiver = new HookReceiver(() => answers.TryDequeue(out var status) ? status : HttpStatusCode.OK);

        await using var pool = await TestPool.StartAsync([Node("n0", gpus: 1)], extraSettings: new Dictionary<string, string?>
        {
            ["Orion:Notify:AllowedHosts:0"] = "127.0.0.1",
            ["Orion:Notify:SigningKey"] = SigningKey,
        });
        var spec = Specs.Batch(computePercent: 50, gpuMemoryMiB: 1024, items: 1, gpuMsPerItem: 1e9, tenant: "search") with
        {
            Notify = receiver.Url("/hooks/t-1?key=secret"),
            Labels = System.Collections.Immutable.ImmutableDictionary<string, string>.Empty.Add("sweep", "lr-7"),
        };
        await pool.SubmitAsync(spec, "notified");
        await pool.WaitForAsync("notified", TaskState.Running);
        Assert.Empty(receiver.Posts);
        await pool.Client.CancelAsync("notified", "enough");

        // Refused once (503), taken the second time a second later.
        await pool.EventuallyAsync(() => Task.Run(() => Assert.Equal(2, receiver.Posts.Count)));
        Assert.Equal([HttpStatusCode.ServiceUnavailable, HttpStatusCode.NoContent], receiver.Posts.Select(p => p.Answer));
        var post = Assert.Single(receiver.Posts.Select(p => (p.Method, p.Path, p.Body)).Distinct());
        Assert.Equal(("POST", "/hooks/t-1"), (post.Method, post.Path));
        using var json = JsonDocument.Parse(post.Body);
        var root = json.RootElement;
        Assert.Equal(("notified", "search", "Cancelled", "lr-7"),
            (root.GetProperty("taskId").GetString(), root.GetProperty("tenant").GetString(), root.GetProperty("state").GetString(),
             root.GetProperty("labels").GetProperty("sweep").GetString()));
        Assert.Contains("enough", root.GetProperty("exitReason").GetString());

        // Each POST is signed: HMAC-SHA256 of its timestamp, a dot and its body, with the pool's key.
        foreach (var (timestamp, signature, text) in receiver.Posts.Select(p => (p.Timestamp, p.Signature, p.Body)))
        {
            Assert.InRange(long.Parse(timestamp!, System.Globalization.CultureInfo.InvariantCulture), DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.ToUnixTimeSeconds());
            var mac = System.Security.Cryptography.HMACSHA256.HashData(System.Text.Encoding.UTF8.GetBytes(SigningKey), System.Text.Encoding.UTF8.GetBytes($"{timestamp}.{text}"));
            Assert.Equal("sha256=" + Convert.ToHexStringLower(mac), signature);
        }

        var refused = await Assert.ThrowsAsync<SpecValidationException>(() => pool.SubmitAsync(spec with { Notify = "https://hooks.example.com/x" }, "elsewhere"));
        Assert.Equal(new ValidationError("notify", "must name a host this pool may notify (127.0.0.1), not 'hooks.example.com'"), Assert.Single(refused.Errors));
        Assert.Null(await pool.Client.GetAsync("elsewhere"));
    }

    [Fact]
    public async Task An_end_the_receiver_did_not_take_stays_due_across_activations_until_taken_once_or_given_up()
    {
        var open = false;
        await using var receiver = new HookReceiver(() => Volatile.Read(ref open) ? HttpStatusCode.NoContent : HttpStatusCode.ServiceUnavailable);
        var posts = receiver.Posts;

        await using var pool = await TestPool.StartAsync([Node("n0", gpus: 1)], extraSettings: new Dictionary<string, string?>
        {
            ["Orion:Notify:AllowedHosts:0"] = "127.0.0.1",
            ["Orion:Notify:Attempts"] = "1",
            ["Orion:Notify:SigningKey"] = SigningKey,
            ["Orion:Notify:PreviousSigningKey"] = PreviousKey,
        });
        var spec = Specs.Batch(computePercent: 10, gpuMemoryMiB: 1024, items: 1, gpuMsPerItem: 1e9);
        foreach (var id in new[] { "kept", "dropped" })
        {
            await pool.SubmitAsync(spec with { Notify = receiver.Url($"/hooks/{id}") }, id);
            await pool.Client.CancelAsync(id);
        }

        // Each refused once: still due, with a reminder to send it again.
        await pool.EventuallyAsync(() => Task.Run(() => Assert.Equal(2, posts.Count)));
        Assert.Contains("notify", await pool.RemindersOf("kept"));
        Assert.Contains("notify", await pool.RemindersOf("dropped"));

        // A fresh activation of the task (its silo restarted, say) sends it again from what it stored, and it is taken.
        await pool.Grains.GetGrain<IVGpuTaskGrain>("kept").Cast<IGrainManagementExtension>().DeactivateOnIdle();
        Volatile.Write(ref open, true);
        await Tick(pool, "kept");
        await pool.EventuallyAsync(async () => Assert.DoesNotContain("notify", await pool.RemindersOf("kept")));
        var kept = posts.Where(p => p.Path == "/hooks/kept").ToArray();
        Assert.Equal([HttpStatusCode.ServiceUnavailable, HttpStatusCode.NoContent], kept.Select(p => p.Answer));
        var generation = (await pool.Client.GetAsync("kept"))!.Generation;
        Assert.All(kept, p => Assert.Equal($"kept.{generation}.cancelled", p.IdempotencyKey));

        // Taken: not sent again (a task ended after the tick is heard, so a POST the tick sent would be in by then).
        await Tick(pool, "kept");
        await pool.SubmitAsync(spec with { Notify = receiver.Url("/hooks/probe") }, "probe");
        await pool.Client.CancelAsync("probe");
        await pool.EventuallyAsync(() => Task.Run(() => Assert.Contains(posts, p => p.Path == "/hooks/probe")));
        Assert.Equal(2, posts.Count(p => p.Path == "/hooks/kept"));

        // Not taken within Orion:Notify:RetryFor (an hour) of its end: given up, not sent.
        pool.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));
        await Tick(pool, "dropped");
        await pool.EventuallyAsync(async () => Assert.DoesNotContain("notify", await pool.RemindersOf("dropped")));
        Assert.Equal([HttpStatusCode.ServiceUnavailable], posts.Where(p => p.Path == "/hooks/dropped").Select(p => p.Answer));

        // The signing key being rotated: every POST is signed with the new key, then with the old one.
        Assert.All(posts, post =>
        {
            static string Mac(string key, string text) =>
                "sha256=" + Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key), System.Text.Encoding.UTF8.GetBytes(text)));
            Assert.Equal($"{Mac(SigningKey, $"{post.Timestamp}.{post.Body}")}, {Mac(PreviousKey, $"{post.Timestamp}.{post.Body}")}", post.Signature);
        });
    }

    [Fact]
    public async Task A_task_that_asks_hears_when_each_run_starts_once_not_again_when_resumed_and_then_its_end()
    {
        await using var receiver = new HookReceiver(() => HttpStatusCode.NoContent);
        (string? Key, string State, string? Node) Told(HookPost post)
        {
            using var json = JsonDocument.Parse(post.Body);
            return (post.IdempotencyKey, json.RootElement.GetProperty("state").GetString()!, json.RootElement.GetProperty("node").GetString());
        }

        await using var pool = await TestPool.StartAsync([Node("n0", gpus: 1)], extraSettings: new Dictionary<string, string?> { ["Orion:Notify:AllowedHosts:0"] = "127.0.0.1" });
        var spec = Specs.Batch(computePercent: 50, gpuMemoryMiB: 1024, items: 1, gpuMsPerItem: 1e9) with { Notify = receiver.Url("/hooks/start"), NotifyOnStart = true };
        await pool.SubmitAsync(spec, "job");
        var running = await pool.WaitForAsync("job", TaskState.Running);
        await pool.EventuallyAsync(() => Task.Run(() => Assert.Single(receiver.Posts)));
        Assert.Equal(($"job.{running.Generation}.running", "Running", "dc1/n0"), Told(receiver.Posts.Single()));

        // Paused and resumed: the same run, no new start.
        await pool.Client.PauseAsync("job", "profiling");
        await pool.Client.ResumeAsync("job");
        await pool.WaitForAsync("job", TaskState.Running);
        await pool.Client.CancelAsync("job");
        await pool.EventuallyAsync(() => Task.Run(() => Assert.Equal(2, receiver.Posts.Count)));
        Assert.Equal([("Running", $"job.{running.Generation}.running"), ("Cancelled", $"job.{running.Generation}.cancelled")], receiver.Posts.Select(Told).Select(p => (p.State, p.Key!)));
        await pool.EventuallyAsync(async () => Assert.DoesNotContain("notify", await pool.RemindersOf("job")));

        var refused = await Assert.ThrowsAsync<SpecValidationException>(() => pool.SubmitAsync(Specs.Batch() with { NotifyOnStart = true }, "no-url"));
        Assert.Equal(new ValidationError("notifyOnStart", "needs a notify URL to send the start to"), Assert.Single(refused.Errors));
    }

    private static Task Tick(TestPool pool, string taskId) =>
        pool.Grains.GetGrain<IVGpuTaskGrain>(taskId).Cast<IRemindable>().ReceiveReminder("notify", default);

    [Fact]
    public async Task A_pool_that_allows_no_host_refuses_a_spec_that_asks_to_be_notified()
    {
        await using var pool = await TestPool.StartAsync([Node("n0", gpus: 1)]);
        var refused = await Assert.ThrowsAsync<SpecValidationException>(() => pool.SubmitAsync(Specs.Batch() with { Notify = "https://hooks.slack.com/x" }, "asks"));
        Assert.Equal("notify", Assert.Single(refused.Errors).Field);
        Assert.Contains("sends no notifications", refused.Errors[0].Rule);
    }
}
