using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Orion.Contracts;
using static Orion.Tests.Cluster.TestPool;

namespace Orion.Tests.Cluster;

/// <summary>The pool's events POSTed to <c>Orion:Notify:EventsUrl</c> as they happen: a real HTTP receiver on loopback.</summary>
public sealed class EventHookTests
{
    private const string SigningKey = "a key the on-call bridge shares with the pool";

    [Fact]
    public async Task An_operators_events_are_posted_in_order_signed_and_again_after_a_refusal_and_placements_are_not()
    {
        var answers = new ConcurrentQueue<HttpStatusCode>([HttpStatusCode.ServiceUnavailable]);
        await using var receiver = new HookReceiver(() => answers.TryDequeue(out var status) ? status : HttpStatusCode.OK);
        await using var pool = await StartAsync([Node("n0", gpus: 1), Node("n1", gpus: 1)], extraSettings: new Dictionary<string, string?>
        {
            ["Orion:Notify:AllowedHosts:0"] = "127.0.0.1",
            ["Orion:Notify:SigningKey"] = SigningKey,
            ["Orion:Notify:EventsUrl"] = receiver.Url("/ops?channel=gpu"),

            // One attempt a round: the refused batch is sent again by the hook's own wait (5 s), not the attempts'.
            ["Orion:Notify:Attempts"] = "1",
        });
        await pool.SubmitAsync(Specs.Batch(computePercent: 50, gpuMemoryMiB: 1024, items: 1, gpuMsPerItem: 1e9, tenant: "search"), "job");
        await pool.WaitForAsync("job", TaskState.Running);
        await pool.Client.CordonAsync("dc1/n1", "fan");
        await pool.Client.UncordonAsync("dc1/n1");

        // Refused once (503), the same batch taken again later; every event in order, none a placement.
        await pool.EventuallyAsync(() => Task.Run(() => Assert.Equal(["cordon", "uncordon"], Taken(receiver).Select(e => e.Kind))));
        var first = receiver.Posts.First();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, first.Answer);
        var retried = receiver.Posts.Skip(1).First();
        Assert.Equal((first.IdempotencyKey, first.Body, HttpStatusCode.OK), (retried.IdempotencyKey, retried.Body, retried.Answer));
        Assert.All(Taken(receiver), e => Assert.Equal("dc1/n1", e.Where));
        Assert.True(Taken(receiver).Select(e => e.Sequence).SequenceEqual(Taken(receiver).Select(e => e.Sequence).Order()));
        Assert.All(receiver.Posts, p =>
        {
            Assert.Equal(("POST", "/ops"), (p.Method, p.Path));
            var events = JsonSerializer.Deserialize<PoolEvent[]>(p.Body, new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
            Assert.Equal($"events.{events[0].Sequence}-{events[^1].Sequence}", p.IdempotencyKey);
            var mac = System.Security.Cryptography.HMACSHA256.HashData(System.Text.Encoding.UTF8.GetBytes(SigningKey), System.Text.Encoding.UTF8.GetBytes($"{p.Timestamp}.{p.Body}"));
            Assert.Equal("sha256=" + Convert.ToHexStringLower(mac), p.Signature);
        });
    }

    [Fact]
    public async Task The_kinds_named_are_the_kinds_sent()
    {
        await using var receiver = new HookReceiver(() => HttpStatusCode.NoContent);
        await using var pool = await StartAsync([Node("n0", gpus: 1)], extraSettings: new Dictionary<string, string?>
        {
            ["Orion:Notify:AllowedHosts:0"] = "127.0.0.1",
            ["Orion:Notify:EventsUrl"] = receiver.Url("/placements"),
            ["Orion:Notify:EventKinds:0"] = PoolEventKinds.Placement,
        });
        await pool.Client.CordonAsync("dc1/n0", "firmware");
        await pool.Client.UncordonAsync("dc1/n0");
        await pool.SubmitAsync(Specs.Batch(computePercent: 50, gpuMemoryMiB: 1024, items: 1, gpuMsPerItem: 1e9, tenant: "search"), "job");
        await pool.EventuallyAsync(() => Task.Run(() => Assert.Equal([("placement", "job")], Taken(receiver).Select(e => (e.Kind, e.TaskId)))));
        Assert.All(receiver.Posts, p => Assert.Null(p.Signature));
    }

    [Fact]
    public async Task A_batch_never_taken_is_given_up_after_retry_for_and_later_events_still_go()
    {
        var open = 0;
        await using var receiver = new HookReceiver(() => Volatile.Read(ref open) == 1 ? HttpStatusCode.OK : HttpStatusCode.ServiceUnavailable);
        await using var pool = await StartAsync([Node("n0", gpus: 1)], extraSettings: new Dictionary<string, string?>
        {
            ["Orion:Notify:AllowedHosts:0"] = "127.0.0.1",
            ["Orion:Notify:EventsUrl"] = receiver.Url("/ops"),
            ["Orion:Notify:Attempts"] = "1",
            ["Orion:Notify:RetryFor"] = "00:00:02",
        });
        await pool.Client.CordonAsync("dc1/n0", "firmware");
        await pool.EventuallyAsync(() => Task.Run(() => Assert.Single(receiver.Posts)));

        // Its retry would come after RetryFor: given up. The receiver back, the next event goes, the given-up one never.
        Volatile.Write(ref open, 1);
        await pool.Client.UncordonAsync("dc1/n0");
        await pool.EventuallyAsync(() => Task.Run(() => Assert.Equal(["uncordon"], Taken(receiver).Select(e => e.Kind))));
        Assert.Equal(2, receiver.Posts.Count);
    }

    /// <summary>The events the receiver took (answered 2xx), in the order it took them.</summary>
    private static List<PoolEvent> Taken(HookReceiver receiver) =>
        [.. receiver.Posts.Where(p => (int)p.Answer is >= 200 and < 300).SelectMany(p => JsonSerializer.Deserialize<PoolEvent[]>(p.Body, new JsonSerializerOptions(JsonSerializerDefaults.Web))!)];
}
