using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orion.Grains.Telemetry;

namespace Orion.Grains.Notifications;

/// <summary>
/// POSTs a JSON body to a URL the pool may notify: signed (<see cref="NotificationSignature"/>) when the pool has a key,
/// named by an <c>Idempotency-Key</c> the same on every attempt, tried <see cref="NotifyOptions.Attempts"/> times 1 s, 2 s,
/// 4 s … apart. Shared by task notifications and the pool's event hook.
/// </summary>
public sealed class HookSender(IOptions<NotifyOptions> options, ILogger<HookSender> logger) : IDisposable
{
    /// <summary>The header that carries the signature (<see cref="NotificationSignature"/>).</summary>
    public const string SignatureHeader = "X-Orion-Signature";

    /// <summary>The header that carries when the POST was signed, in Unix seconds.</summary>
    public const string TimestampHeader = "X-Orion-Timestamp";

    /// <summary>The header that names one notification, the same on every attempt: a receiver drops what it already took.</summary>
    public const string IdempotencyHeader = "Idempotency-Key";

    private readonly HttpClient http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), AllowAutoRedirect = false })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    /// <summary>
    /// Sends <paramref name="body"/>; true when the receiver took it, false when every attempt failed (never faults).
    /// <paramref name="what"/> names it in the log (never the URL: it often carries a secret).
    /// </summary>
    public async Task<bool> Deliver(string url, string idempotencyKey, byte[] body, string what, CancellationToken cancellationToken = default)
    {
        var attempts = Math.Max(1, options.Value.Attempts);
        for (var attempt = 1; ; attempt++)
        {
            string why;
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(options.Value.Timeout);
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
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                why = ex.Message;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "{What} could not be sent", what);
                Count("failed");
                return false;
            }

            if (attempt >= attempts)
            {
                logger.LogWarning("{What} failed {Attempts} attempts: {Why}", what, attempts, why);
                Count("failed");
                return false;
            }

            await Task.Delay(TimeSpan.FromSeconds(1 << (attempt - 1)), cancellationToken);
        }
    }

    /// <summary>Counts a notification given up for good.</summary>
    public static void GiveUp() => Count("given-up");

    public void Dispose() => http.Dispose();

    private static void Count(string outcome) =>
        OrionTelemetry.Notifications.Add(1, new TagList { { OrionTelemetry.Attributes.NotifyOutcome, outcome } });
}
