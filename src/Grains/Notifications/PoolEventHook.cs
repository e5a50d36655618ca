using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orion.Contracts;

namespace Orion.Grains.Notifications;

/// <summary>
/// POSTs the pool's events of <see cref="NotifyOptions.EventKinds"/> to <see cref="NotifyOptions.EventsUrl"/> as they
/// happen, off the feed's turn: a JSON array of events in order, at most <see cref="MaxBatch"/> a POST, named by
/// <c>Idempotency-Key: events.FIRST-LAST</c> (their sequence numbers). A batch the receiver does not take is tried again,
/// further apart each time up to a minute, for <see cref="NotifyOptions.RetryFor"/>, while later events wait behind it
/// (the receiver sees them in order); then given up and logged. Soft state, as the feed: events waiting on a silo that
/// stops are lost with it.
/// </summary>
public sealed class PoolEventHook : IDisposable
{
    /// <summary>The most events one POST carries.</summary>
    public const int MaxBatch = 100;

    /// <summary>The most events waiting to be sent; past it the oldest are dropped (and logged), not the silo's memory.</summary>
    public const int MaxWaiting = 10_000;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly HookSender sender;
    private readonly IOptions<NotifyOptions> options;
    private readonly ILogger<PoolEventHook> logger;
    private readonly HashSet<string> kinds;
    private readonly Channel<PoolEvent> waiting;
    private readonly CancellationTokenSource stopping = new();
    private readonly Lock gate = new();
    private Task? sending;

    public PoolEventHook(HookSender sender, IOptions<NotifyOptions> options, ILogger<PoolEventHook> logger)
    {
        (this.sender, this.options, this.logger) = (sender, options, logger);
        kinds = new HashSet<string>(options.Value.EventKinds.Count > 0 ? options.Value.EventKinds : PoolEventKinds.Operations, StringComparer.Ordinal);
        waiting = Channel.CreateBounded<PoolEvent>(new BoundedChannelOptions(MaxWaiting) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            dropped => logger.LogWarning("The pool's event hook dropped event {Sequence} ({Kind}): more than {Max} waiting", dropped.Sequence, dropped.Kind, MaxWaiting));
    }

    /// <summary>Whether events go anywhere: an events URL is set.</summary>
    public bool Enabled => options.Value.EventsUrl is not null;

    /// <summary>Takes an event of the feed; sent later when its kind is one the hook sends (never blocks the caller).</summary>
    public void Offer(PoolEvent e)
    {
        if (!Enabled || !kinds.Contains(e.Kind))
        {
            return;
        }

        waiting.Writer.TryWrite(e);
        if (sending is null)
        {
            lock (gate)
            {
                sending ??= Task.Run(Send);
            }
        }
    }

    public void Dispose()
    {
        stopping.Cancel();
        waiting.Writer.TryComplete();
        stopping.Dispose();
    }

    private async Task Send()
    {
        // Taken once: Dispose may dispose the source while this loop still winds down (cancelled first, so the token holds).
        var token = stopping.Token;
        var url = options.Value.EventsUrl!;
        var batch = new List<PoolEvent>(MaxBatch);
        try
        {
            while (await waiting.Reader.WaitToReadAsync(token))
            {
                batch.Clear();
                while (batch.Count < MaxBatch && waiting.Reader.TryRead(out var e))
                {
                    batch.Add(e);
                }

                var body = JsonSerializer.SerializeToUtf8Bytes(batch, Json);
                var key = $"events.{batch[0].Sequence}-{batch[^1].Sequence}";
                var giveUpAt = DateTime.UtcNow + options.Value.RetryFor;
                var pause = TimeSpan.FromSeconds(5);
                while (!await sender.Deliver(url, key, body, $"The pool's events {batch[0].Sequence} to {batch[^1].Sequence}", token))
                {
                    if (DateTime.UtcNow + pause > giveUpAt)
                    {
                        logger.LogWarning("The pool's events {First} to {Last} given up after {RetryFor}", batch[0].Sequence, batch[^1].Sequence, options.Value.RetryFor);
                        HookSender.GiveUp();
                        break;
                    }

                    await Task.Delay(pause, token);
                    pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromMinutes(1).Ticks));
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // The silo stops: what waits is lost with it, as the feed is.
        }
    }
}
