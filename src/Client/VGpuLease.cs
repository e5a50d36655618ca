using Orion.Contracts;

namespace Orion.Client;

/// <summary>
/// An online service's hold on its vGPU. Wrap each request in <see cref="BeginRequestAsync"/>; the lease tells
/// the pool only of transitions: idle→busy on the first request (returning once lower-priority work on the
/// card is paused and acked), busy→idle after <see cref="LeaseOptions.HoldTime"/> with no request in flight.
/// Requests while busy cost no message. Disposing a lease from <see cref="OrionClient.AcquireAsync"/> ends the task and
/// frees its slice; disposing one from <see cref="OrionClient.AttachAsync"/> only ends its demand (the task runs on).
/// </summary>
public sealed class VGpuLease : IAsyncDisposable
{
    // The shortest wait before an idle send that failed is tried again.
    private static readonly TimeSpan RetryFloor = TimeSpan.FromSeconds(1);

    private readonly IVGpuTaskGrain grain;
    private readonly IGpuGrain[] cards;
    private readonly TimeSpan hold;
    private readonly TimeProvider time;
    private readonly SemaphoreSlim transitions = new(1, 1);
    private readonly object sync = new();
    private int inFlight;
    private bool busy;

    // The card may hold this service as busy without an ack here (a busy send cut off, an idle send that failed): the
    // hold timer must still end in an idle, or offline work on the card stays paused.
    private bool idleOwed;
    private long sequence;
    private long holdEpoch;
    private long messages;
    private ITimer? holdTimer;
    private bool disposed;

    // Acquired (the lease started the task, and ends it) or attached to a task someone else runs (a deployment's replica).
    private readonly bool ownsTask;

    internal VGpuLease(IGrainFactory grains, VGpuTaskStatus status, TimeSpan hold, TimeProvider time, bool ownsTask = true)
    {
        this.ownsTask = ownsTask;
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

                try
                {
                    await SendDemand(true, next).WaitAsync(cancellationToken);
                }
                catch
                {
                    // It may have landed: EndRequest below then arms the hold timer, and idle follows.
                    lock (sync)
                    {
                        idleOwed = true;
                    }

                    throw;
                }

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

    /// <summary>
    /// Ends the service: cancels its task, which frees its slice. An attached lease (<see cref="OrionClient.AttachAsync"/>)
    /// instead tells the pool its service is idle, if it was busy, and leaves the task running.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        long? idle;
        lock (sync)
        {
            if (disposed)
            {
                return;
            }

            disposed = true;
            holdTimer?.Dispose();
            holdTimer = null;
            idle = !ownsTask && (busy || idleOwed) ? ++sequence : null;
            busy = false;
            idleOwed = false;
        }

        if (ownsTask)
        {
            await grain.Cancel("lease released");
        }
        else if (idle is { } next)
        {
            // The task outlives this lease: its card must not keep it busy and its offline neighbours paused.
            await SendDemand(false, next);
        }

        transitions.Dispose();
    }

    internal void EndRequest()
    {
        lock (sync)
        {
            if (--inFlight > 0 || !(busy || idleOwed) || disposed)
            {
                return;
            }

            ArmHoldTimer(hold);
        }
    }

    // Under sync.
    private void ArmHoldTimer(TimeSpan after)
    {
        var epoch = ++holdEpoch;
        holdTimer?.Dispose();
        holdTimer = time.CreateTimer(_ => _ = GoIdleAsync(epoch), null, after, Timeout.InfiniteTimeSpan);
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
                if (disposed || epoch != holdEpoch || inFlight > 0 || !(busy || idleOwed))
                {
                    return;
                }

                busy = false;
                idleOwed = false;
                next = ++sequence;
            }

            await SendDemand(false, next);
            Interlocked.Increment(ref messages);
        }
        catch (Exception)
        {
            // The card may still hold the service busy and offline work paused: try again later (a request meanwhile
            // sends busy itself, and its end arms the timer again). Not sooner than a second, so a zero hold does not spin.
            lock (sync)
            {
                idleOwed = true;
                if (!disposed && inFlight == 0)
                {
                    ArmHoldTimer(hold > RetryFloor ? hold : RetryFloor);
                }
            }

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
