using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orion.Contracts;
using Orion.Grains.Telemetry;

namespace Orion.Grains.Notifications;

/// <summary>
/// POSTs an ended task's status to its spec's notify URL, off the grain's turn: tried <see cref="NotifyOptions.Attempts"/>
/// times, 1 s, 2 s, 4 s … apart. The task grain keeps the end due until it is taken and sends it again at its reminder, so
/// a receiver may see one end more than once: <c>Idempotency-Key</c> (task id, run and state) tells them apart.
/// </summary>
public sealed class TaskNotifier(IOptions<NotifyOptions> options, ILogger<TaskNotifier> logger) : IDisposable
{
    /// <summary>The header that carries the signature (<see cref="NotificationSignature"/>).</summary>
    public const string SignatureHeader = "X-Orion-Signature";

    /// <summary>The header that carries when the POST was signed, in Unix seconds.</summary>
    public const string TimestampHeader = "X-Orion-Timestamp";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly HttpClient http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), AllowAutoRedirect = false })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    /// <summary>The header that names one task's end, the same on every attempt: a receiver drops what it already took.</summary>
    public const string IdempotencyHeader = "Idempotency-Key";

    /// <summary>
    /// Sends the notification of <paramref name="status"/>; the task returned is true when the receiver took it, false
    /// when this round of attempts failed (never faults).
    /// </summary>
    public Task<bool> Send(VGpuTaskStatus status) =>
        status.Spec.Notify is { } url ? Task.Run(() => DeliverOrLog(url, KeyOf(status), TaskNotification.Of(status))) : Task.FromResult(true);

    /// <summary>What names one notification the same on every attempt: the task, its run and the state told ("job-7.1.completed").</summary>
    public static string KeyOf(VGpuTaskStatus status) => $"{status.TaskId}.{status.Generation}.{status.State.ToString().ToLowerInvariant()}";

    /// <summary>Counts a notification given up for good (<see cref="NotifyOptions.RetryFor"/> passed).</summary>
    public static void GiveUp() => Count("given-up");

    public void Dispose() => http.Dispose();

    private async Task<bool> DeliverOrLog(string url, string idempotencyKey, TaskNotification notification)
    {
        try
        {
            return await Deliver(url, idempotencyKey, notification);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Task {TaskId}'s notification could not be sent", notification.TaskId);
            Count("failed");
            return false;
        }
    }

    private async Task<bool> Deliver(string url, string idempotencyKey, TaskNotification notification)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(notification, Json);
        var attempts = Math.Max(1, options.Value.Attempts);
        for (var attempt = 1; ; attempt++)
        {
            string why;
            try
            {
                using var timeout = new CancellationTokenSource(options.Value.Timeout);
                using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = new("application/json") { CharSet = "utf-8" };
                request.Headers.Add(IdempotencyHeader, idempotencyKey);
                if (options.Value.SigningKey is { } key)
                {
                    // Signed per attempt: the timestamp says when this POST left, so a receiver can refuse old replays.
                    var at = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
                    request.Headers.Add(TimestampHeader, at);
                    request.Headers.Add(SignatureHeader, NotificationSignature.Header(key, options.Value.PreviousSigningKey, at, body));
                }

                using var response = await http.SendAsync(request, timeout.Token);
                if (response.IsSuccessStatusCode)
                {
                    Count("delivered");
                    return true;
                }

                why = $"HTTP {(int)response.StatusCode}";
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
            {
                why = ex.Message;
            }

            if (attempt >= attempts)
            {
                // The URL is left out: it often carries a secret.
                logger.LogWarning("Task {TaskId}'s notification failed {Attempts} attempts: {Why}", notification.TaskId, attempts, why);
                Count("failed");
                return false;
            }

            await Task.Delay(TimeSpan.FromSeconds(1 << (attempt - 1)));
        }
    }

    private static void Count(string outcome) =>
        OrionTelemetry.Notifications.Add(1, new TagList { { OrionTelemetry.Attributes.NotifyOutcome, outcome } });
}
