using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orion.Contracts;
using Orion.Grains.Telemetry;

namespace Orion.Grains.Notifications;

/// <summary>
/// POSTs an ended task's status to its spec's notify URL, off the grain's turn: tried <see cref="NotifyOptions.Attempts"/>
/// times, 1 s, 2 s, 4 s … apart, then given up and logged. At most once per ending from this silo; one in flight when the
/// silo dies is lost.
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

    /// <summary>Sends the notification of <paramref name="status"/>; the task returned ends when it was taken or given up (never faults).</summary>
    public Task Send(VGpuTaskStatus status) => status.Spec.Notify is { } url ? Task.Run(() => DeliverOrLog(url, TaskNotification.Of(status))) : Task.CompletedTask;

    public void Dispose() => http.Dispose();

    private async Task DeliverOrLog(string url, TaskNotification notification)
    {
        try
        {
            await Deliver(url, notification);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Task {TaskId}'s notification could not be sent", notification.TaskId);
            Count("failed");
        }
    }

    private async Task Deliver(string url, TaskNotification notification)
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
                if (options.Value.SigningKey is { } key)
                {
                    // Signed per attempt: the timestamp says when this POST left, so a receiver can refuse old replays.
                    var at = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
                    request.Headers.Add(TimestampHeader, at);
                    request.Headers.Add(SignatureHeader, NotificationSignature.Of(key, at, body));
                }

                using var response = await http.SendAsync(request, timeout.Token);
                if (response.IsSuccessStatusCode)
                {
                    Count("delivered");
                    return;
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
                logger.LogWarning("Task {TaskId}'s notification was given up after {Attempts} attempts: {Why}", notification.TaskId, attempts, why);
                Count("failed");
                return;
            }

            await Task.Delay(TimeSpan.FromSeconds(1 << (attempt - 1)));
        }
    }

    private static void Count(string outcome) =>
        OrionTelemetry.Notifications.Add(1, new TagList { { OrionTelemetry.Attributes.NotifyOutcome, outcome } });
}
