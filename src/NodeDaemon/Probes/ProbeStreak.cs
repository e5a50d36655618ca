namespace Orion.NodeDaemon.Probes;

/// <summary>
/// What one probe of a run has come to, from its results in order: when a readiness probe's run turns ready or not, and
/// when a liveness probe has failed its threshold in a row. Pure; one per probe of a run.
/// </summary>
/// <param name="failureThreshold">How many failures in a row count (<see cref="Contracts.HealthProbe.FailureThreshold"/>).</param>
public sealed class ProbeStreak(int failureThreshold)
{
    private bool everReady;
    private bool ready;
    private string? told;

    /// <summary>Failures in a row since the last pass (or pause).</summary>
    public int Failures { get; private set; }

    /// <summary>
    /// A readiness probe's result (<paramref name="failure"/> null: it passed): what to tell the task, or null when nothing
    /// changed. A run not yet ready is told each new reason it fails (so its owner sees why it waits); a ready run turns not
    /// ready only at the threshold.
    /// </summary>
    public (bool Ready, string? Why)? Readiness(string? failure)
    {
        if (failure is null)
        {
            Failures = 0;
            if (ready)
            {
                return null;
            }

            (ready, everReady, told) = (true, true, null);
            return (true, null);
        }

        Failures++;
        if (ready && Failures < failureThreshold)
        {
            return null;
        }

        var why = everReady ? InRow(failure) : failure;
        if (!ready && why == told)
        {
            return null;
        }

        (ready, told) = (false, why);
        return (false, why);
    }

    /// <summary>
    /// A liveness probe's result: why the run is to be stopped once it has failed its threshold in a row (said again at each
    /// further threshold, should the first word be lost), else null.
    /// </summary>
    public string? Liveness(string? failure)
    {
        if (failure is null)
        {
            Failures = 0;
            return null;
        }

        Failures++;
        return Failures % failureThreshold == 0 ? InRow(failure) : null;
    }

    /// <summary>The run was paused: what failed before does not count with what fails after (a paused process answers nothing).</summary>
    public void Paused() => Failures = 0;

    private string InRow(string failure) =>
        failureThreshold == 1 ? failure : $"{failureThreshold} times in a row (last: {failure})";
}
