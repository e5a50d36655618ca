using System.Net;
using Orion.Contracts;

namespace Orion.NodeDaemon.Metrics;

/// <summary>
/// Reads a replica's <see cref="ScaleMetric"/> from its metrics page on the node's loopback: an HTTP GET within
/// <see cref="Timeout"/>, the matching samples summed (<see cref="PrometheusText"/>).
/// </summary>
public sealed class MetricScraper : IDisposable
{
    /// <summary>How long a page may take: a deployment's look waits for it.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    /// <summary>The largest page read (vLLM's is some tens of KiB).</summary>
    public const int MaxPageBytes = 4 << 20;

    // The loopback only, never through a proxy, and no redirects, as probes.
    private readonly HttpClient http = new(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(1) })
    {
        Timeout = System.Threading.Timeout.InfiniteTimeSpan,
        MaxResponseContentBufferSize = MaxPageBytes,
    };

    /// <summary>Reads <paramref name="metric"/> now: its value, or why not in words.</summary>
    public async Task<MetricReading> ReadAsync(ScaleMetric metric, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(metric);
        if (metric.Selector is not { } selector)
        {
            return MetricReading.Failed($"query {metric.Query} {MetricSelector.Rule}");
        }

        // Real time, as probes' timeouts: it bounds a real server.
        using var timeout = new CancellationTokenSource(Timeout);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        string page;
        try
        {
            using var answer = await http.GetAsync(new Uri($"http://{IPAddress.Loopback}:{metric.Port}{metric.Path}"), either.Token);
            if (!answer.IsSuccessStatusCode)
            {
                return MetricReading.Failed($"{metric.Endpoint} answered {(int)answer.StatusCode}");
            }

            page = await answer.Content.ReadAsStringAsync(either.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return MetricReading.Failed($"{metric.Endpoint} gave no answer within {Durations.Format(Timeout)}");
        }
        catch (HttpRequestException ex)
        {
            return MetricReading.Failed($"{metric.Endpoint}: {ex.Message}");
        }

        var (sum, count) = PrometheusText.Sum(page, selector);
        return count == 0 ? MetricReading.Failed($"{metric.Endpoint} has no sample of {selector.Name}{(selector.Labels.IsEmpty ? "" : " with those labels")}")
            : !double.IsFinite(sum) ? MetricReading.Failed($"{selector} is {(double.IsNaN(sum) ? "NaN" : sum > 0 ? "+Inf" : "-Inf")} on {metric.Endpoint}, no number to scale on")
            : MetricReading.Of(sum);
    }

    public void Dispose() => http.Dispose();
}
