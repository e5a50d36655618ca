using Orleans.Runtime;

namespace Orion.Grains;

/// <summary>
/// When this silo, stopping, begins to deactivate its grains. Orleans lets a grain's running call finish before it
/// deactivates the grain, so a card waiting on a node daemon that will never answer (one that stopped: Orleans drops a
/// call to an observer that was deleted; one that died or hangs) would hold the silo's stop until the host's shutdown
/// timeout or the response timeout (30 s each). From that moment on, such a wait ends.
/// </summary>
public sealed class SiloShutdown : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly CancellationTokenSource deactivating = new();

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(SiloShutdown), ServiceLifecycleStage.GrainDeactivation, _ => Task.CompletedTask, _ =>
        {
            deactivating.Cancel();
            return Task.CompletedTask;
        });

    /// <summary>
    /// The answer to a daemon command, or an <see cref="OperationCanceledException"/> once the silo deactivates its grains
    /// first. The command itself is not taken back: a daemon that is there still carries it out, only its answer goes
    /// unheard (as when a silo dies), so use this only for commands whose sender treats a missing answer as a failure it
    /// tries again, or leaves to reconciliation.
    /// </summary>
    public async Task<T> WhileRunning<T>(Task<T> answer)
    {
        await WhileRunning((Task)answer);
        return await answer;
    }

    /// <inheritdoc cref="WhileRunning{T}(Task{T})"/>
    public async Task WhileRunning(Task answer)
    {
        if (!await Answered(answer))
        {
            throw new OperationCanceledException("the silo is stopping: the daemon's answer is not waited for", deactivating.Token);
        }
    }

    /// <summary>
    /// True once the daemon answered a command (its failure is thrown), false when the silo deactivated its grains first:
    /// whether the daemon carried it out is then unknown, for a sender whose reconciliation settles that later.
    /// </summary>
    public async Task<bool> Answered(Task answer)
    {
        try
        {
            await answer.WaitAsync(deactivating.Token);
            return true;
        }
        catch (OperationCanceledException) when (deactivating.IsCancellationRequested)
        {
            if (answer.IsCompleted)
            {
                // Answered in the same instant: that answer counts.
                await answer;
                return true;
            }

            // A late failure (the call broken as the silo's messaging stops) is observed here, not reported as unobserved.
            _ = answer.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            return false;
        }
    }
}
