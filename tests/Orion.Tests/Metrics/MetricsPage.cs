using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Orion.Tests.Integration;

namespace Orion.Tests.Metrics;

/// <summary>A real metrics page on the loopback, in Prometheus' text format: it serves what the test sets (404 while null) and counts the reads.</summary>
public sealed class MetricsPage : IAsyncDisposable
{
    private readonly HttpListener listener = new();
    private readonly Task listening;
    private volatile string? text;

    public MetricsPage(string? text = null)
    {
        this.text = text;
        Port = LoopbackPort.Free();
        listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        listener.Start();
        listening = Task.Run(async () =>
        {
            while (listener.IsListening)
            {
                var context = await listener.GetContextAsync();
                Reads.Enqueue(context.Request.Url!.AbsolutePath);
                var page = Source is { } source ? source() : this.text;
                if (Delay > TimeSpan.Zero)
                {
                    await Task.Delay(Delay);
                }

                if (page is null)
                {
                    context.Response.StatusCode = (int)HttpStatusCode.NotFound;
                }
                else
                {
                    var bytes = Encoding.UTF8.GetBytes(page);
                    context.Response.ContentType = "text/plain; version=0.0.4";
                    await context.Response.OutputStream.WriteAsync(bytes);
                }

                context.Response.Close();
            }
        });
    }

    public int Port { get; }

    /// <summary>The page served now; null answers 404.</summary>
    public string? Text { get => text; set => text = value; }

    /// <summary>Makes the page at each read, in place of <see cref="Text"/>.</summary>
    public Func<string?>? Source { get; set; }

    /// <summary>How long it takes to answer.</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>The path of each read, in order.</summary>
    public ConcurrentQueue<string> Reads { get; } = new();

    /// <summary>A vLLM-like page with <paramref name="waiting"/> requests waiting (and other metrics around it).</summary>
    public static string Vllm(double waiting, double succeeded = 0) => $$"""
        # HELP vllm:num_requests_running Number of requests currently running on GPU.
        # TYPE vllm:num_requests_running gauge
        vllm:num_requests_running{model_name="llama"} 4.0
        # HELP vllm:num_requests_waiting Number of requests waiting to be processed.
        # TYPE vllm:num_requests_waiting gauge
        vllm:num_requests_waiting{model_name="llama"} {{waiting.ToString(System.Globalization.CultureInfo.InvariantCulture)}}
        vllm:num_requests_waiting_total 99
        # TYPE vllm:request_success_total counter
        vllm:request_success_total{finished_reason="stop",model_name="llama"} {{succeeded.ToString(System.Globalization.CultureInfo.InvariantCulture)}}
        vllm:request_success_total{finished_reason="length",model_name="llama"} 0
        """;

    public async ValueTask DisposeAsync()
    {
        // Close alone: Stop then Close lets go of the port twice, and the second time binds it again to let go of it,
        // which fails ("Address already in use") while connections it served linger.
        listener.Close();

        // The loop ends with the listener's own exception once closed.
        await listening.ContinueWith(_ => { }, TaskScheduler.Default);
    }
}
