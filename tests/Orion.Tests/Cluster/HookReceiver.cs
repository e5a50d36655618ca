using System.Collections.Concurrent;
using System.Net;
using Orion.Tests.Integration;

namespace Orion.Tests.Cluster;

/// <summary>A real HTTP receiver on loopback for notify URLs: it keeps each POST it gets and answers what the test says.</summary>
public sealed class HookReceiver : IAsyncDisposable
{
    private readonly HttpListener listener = new();
    private readonly Task listening;

    /// <param name="answer">The status to answer the next POST with.</param>
    public HookReceiver(Func<HttpStatusCode> answer)
    {
        Port = LoopbackPort.Free();
        listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        listener.Start();
        listening = Task.Run(async () =>
        {
            while (listener.IsListening)
            {
                var context = await listener.GetContextAsync();
                using (var reader = new StreamReader(context.Request.InputStream))
                {
                    var status = answer();
                    var headers = context.Request.Headers;
                    Posts.Enqueue(new HookPost(
                        context.Request.HttpMethod, context.Request.Url!.AbsolutePath, headers["X-Orion-Timestamp"], headers["X-Orion-Signature"],
                        headers["Idempotency-Key"], await reader.ReadToEndAsync(), status));
                    context.Response.StatusCode = (int)status;
                }

                context.Response.Close();
            }
        });
    }

    public int Port { get; }

    /// <summary>Every POST taken, in order.</summary>
    public ConcurrentQueue<HookPost> Posts { get; } = new();

    /// <summary>A URL of this receiver.</summary>
    public string Url(string pathAndQuery) => $"http://127.0.0.1:{Port}{pathAndQuery}";

    public async ValueTask DisposeAsync()
    {
        // Close alone: Stop then Close lets go of the port twice, and the second time binds it again to let go of it,
        // which fails ("Address already in use") while connections it served linger.
        listener.Close();

        // The loop ends with the listener's own exception once closed.
        await listening.ContinueWith(_ => { }, TaskScheduler.Default);
    }
}
