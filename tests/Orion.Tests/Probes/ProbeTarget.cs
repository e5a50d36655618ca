using System.Net;
using Orion.Contracts;
using Orion.Tests.Cluster;

namespace Orion.Tests.Probes;

/// <summary>A real HTTP endpoint on the loopback for probes, up (200) or down (503) as the test says, counting the probes made of it.</summary>
public sealed class ProbeTarget : IAsyncDisposable
{
    private readonly HookReceiver server;
    private volatile bool up;

    public ProbeTarget(bool up = false)
    {
        this.up = up;
        server = new HookReceiver(() => this.up ? HttpStatusCode.OK : HttpStatusCode.ServiceUnavailable);
    }

    /// <summary>Whether it answers 200 (else 503).</summary>
    public bool Up { get => up; set => up = value; }

    /// <summary>An HTTP probe of it, with the default timing.</summary>
    public HealthProbe Probe => HealthProbe.Http(server.Port, "/health");

    /// <summary>What a probe of it says while it is down.</summary>
    public string Failure => $"GET :{server.Port}/health answered 503";

    /// <summary>How many probes have been made of it.</summary>
    public int Probes => server.Posts.Count;

    public ValueTask DisposeAsync() => server.DisposeAsync();
}
