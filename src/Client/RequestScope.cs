namespace Orion.Client;

/// <summary>One request an online service serves on its vGPU; dispose it when the request is done.</summary>
public sealed class RequestScope : IAsyncDisposable, IDisposable
{
    private VGpuLease? lease;

    internal RequestScope(VGpuLease lease)
    {
        this.lease = lease;
    }

    /// <summary>Ends the request.</summary>
    public void Dispose() => Interlocked.Exchange(ref lease, null)?.EndRequest();

    /// <summary>Ends the request.</summary>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
