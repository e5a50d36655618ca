using Orion.Contracts;

namespace Orion.Client;

/// <summary>
/// An online service's hold on its vGPU. Wrap each request in <see cref="BeginRequestAsync"/>; the lease tells
/// the pool only of transitions: idle→busy on the first request (returning once lower-priority work on the
/// card is paused and acked), busy→idle after <see cref="LeaseOptions.HoldTime"/> with no request in flight.
/// Requests while busy cost no message. Disposing the lease ends the task and frees its slice.
/// </summary>
public sealed class VGpuLease : IAsyncDisposable
{
    private readonly IVGpuTaskGrain grain;
    private readonly IGpuGrain[] cards;
    private readonly TimeSpan hold;
    private readonly TimeProvider time;
    private readonly SemaphoreSlim transitions = new(1, 1);
    private readonly object sync = new();
    private int inFlight;
    private bool busy;
    private long sequence;
    private long holdEpoch;
    private long messages;
    private ITimer? holdTimer;
    private bool disposed;

    internal VGpuLease(IGrainFactory grains, VGpuTaskStatus status, TimeSpan hold, TimeProvider time)
    {
        grain = grains.Grain<IVGpuTaskGrain>(status.TaskId);
        cards = [.. status.Placement!.GpuIds.Select(id => grains.Grain<IGpuGrain>(id))];
        this.hold = hold;
        this.time = time;
        Status = status;
    }

    /// <summary>The task's id.</summary>
    public string TaskId => Status.TaskId;

    /// <summary>The task's status when the lease was granted (placed and running).</summary>
    public VGpuTaskStatus Status { get; }

    /// <summary>True while the pool knows this service as busy.</summary>
    public bool IsBusy
    {
        get
        {
            lock (sync)
            {
                return busy;
            }
        }
    }

    /// <summary>Demand transitions sent to the pool so far (not one per request).</summary>
    public long TransitionsSent => Interlocked.Read(ref messages);

    /// <summary>Raised after the lease went idle (the busy→idle transition was acked).</summary>
    public event Action? WentIdle;

    /// <summary>
    /// Starts a request. On the first one after idle, returns once the pool has paused lower-priority work on
    /// this card; otherwise at once. Dispose the scope when the request is done.
    /// </summary>
    public async ValueTask<RequestScope> BeginRequestAsync(CancellationToken cancellationToken = default)
    {
        lock (sync)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            inFlight++;
            holdEpoch++;
            holdTimer?.Dispose();
            holdTimer = null;
            if (busy)
            {
                return new RequestScope(this);
            }
        }

        try
        {
            await transitions.WaitAsync(cancellationToken);
            try
            {
                long next;
                lock (sync)
                {
                    if (busy)
                    {
                        return new RequestScope(this);
                    }

                    next = ++sequence;
                }

                await SendDemand(true, next).WaitAsync(cancellationToken);
                Interlocked.Increment(ref messages);
                lock (sync)
                {
                    busy = true;
                }
            }
            finally
            {
                transitions.Release();
            }
        }
        catch
        {
            EndRequest();
            throw;
        }

        return new RequestScope(this);
    }

    /// <summary>Ends the service: cancels its task, which frees its slice.</summary>
    public async ValueTask DisposeAsync()
    {
        lock (sync)
        {
            if (disposed)
            {
                return;
            }

            disposed = true;
            holdTimer?.Dispose();
            holdTimer = null;
        }

        await grain.Cancel("lease released");
        transitions.Dispose();
    }

    internal void EndRequest()
    {
        lock (sync)
        {
            if (--inFlight > 0 || !busy || disposed)
            {
                return;
            }

            var epoch = ++holdEpoch;
            holdTimer?.Dispose();
            holdTimer = time.CreateTimer(_ => _ = GoIdleAsync(epoch), null, hold, Timeout.InfiniteTimeSpan);
        }
    }

    // Straight to the card(s): the card's arbitration is what the request waits for, and the service's memory
    // coming back to the device when some of it was moved to host RAM.
    private Task SendDemand(bool isBusy, long next) => cards.Length == 1
        ? cards[0].SetDemandUntilResidentAsync(TaskId, Status.Generation, isBusy, next)
        : Task.WhenAll(cards.Select(c => c.SetDemandUntilResidentAsync(TaskId, Status.Generation, isBusy, next)));

    private async Task GoIdleAsync(long epoch)
    {
        try
        {
            await transitions.WaitAsync();
        }
        catch (ObjectDisposedException)
        {
            return;
        }

        try
        {
            long next;
            lock (sync)
            {
                // A request since the timer was set restarts the hold.
                if (disposed || epoch != holdEpoch || inFlight > 0 || !busy)
                {
                    return;
                }

                busy = false;
                next = ++sequence;
            }

            await SendDemand(false, next);
            Interlocked.Increment(ref messages);
        }
        catch (Exception)
        {
            // The next request sends busy again; a lost idle only keeps offline work paused a little longer.
            return;
        }
        finally
        {
            try
            {
                transitions.Release();
            }
            catch (ObjectDisposedException)
            {
            }
        }

        WentIdle?.Invoke();
    }
}
