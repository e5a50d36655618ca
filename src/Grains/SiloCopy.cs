namespace Orion.Grains;

/// <summary>
/// A value this silo last heard from a grain, used while younger than a max age and asked for again after: one question
/// out at a time, its answer shared by the callers meanwhile. For what grains need on every call but may see a moment
/// late, so that a pool-wide grain is not asked once per placement or heartbeat.
/// </summary>
/// <param name="ask">Asks the owning grain.</param>
/// <param name="maxAge">How old the copy may be.</param>
/// <param name="keep">Whether an answer is worth keeping (one that is not is asked for again at the next call).</param>
/// <param name="clock">Ages the copy; real time in a silo, so a test's stopped clock does not freeze it.</param>
public sealed class SiloCopy<T>(Func<Task<T>> ask, Func<TimeSpan> maxAge, Func<T, bool> keep, TimeProvider clock)
{
    private Heard? last;
    private Asking? asking;

    /// <summary>How long ago the value last heard was asked for; null when none was ever heard.</summary>
    public TimeSpan? SinceHeard => Volatile.Read(ref last) is { } heard ? clock.GetElapsedTime(heard.At) : null;

    /// <summary>The value, from the copy while it is fresh enough.</summary>
    public Task<T> Get() => Get(maxAge());

    /// <summary>
    /// The value, from a copy asked for less than <paramref name="fresherThan"/> before this call; zero: asked for after
    /// it began (for a caller that must see a change made before it called, such as a token just issued).
    /// </summary>
    public async Task<T> Get(TimeSpan fresherThan)
    {
        var oldest = clock.GetTimestamp() - (long)(fresherThan.TotalSeconds * clock.TimestampFrequency);
        while (true)
        {
            var heard = Volatile.Read(ref last);
            if (heard is not null && keep(heard.Value) && heard.At >= oldest && (heard.At > oldest || fresherThan == TimeSpan.Zero))
            {
                return heard.Value;
            }

            var pending = Volatile.Read(ref asking);
            if (pending is null)
            {
                var mine = new Asking(clock.GetTimestamp());
                pending = Interlocked.CompareExchange(ref asking, mine, null) ?? mine.Start(Ask);
            }

            try
            {
                if (pending.Started >= oldest)
                {
                    return (await pending.Heard).Value;
                }

                // Asked before this call's bound: wait for it (one question out at a time), then ask again.
                await pending.Heard.ContinueWith(_ => { }, TaskScheduler.Default);
            }
            finally
            {
                // The first caller back lets the next question be asked.
                _ = Interlocked.CompareExchange(ref asking, null, pending);
            }
        }
    }

    /// <summary>
    /// The value as <see cref="Get"/> gives it; when asking fails, the last value heard, else <paramref name="never"/>'s:
    /// for what a silo can go on with for a while, such as settings. <paramref name="failed"/> hears the failure and
    /// whether a last value stood in.
    /// </summary>
    public Task<T> GetOrLast(Func<T> never, Action<Exception, bool> failed) => GetOrLast(maxAge(), never, failed);

    /// <summary><see cref="GetOrLast(Func{T}, Action{Exception, bool})"/>, from a copy younger than <paramref name="fresherThan"/>.</summary>
    public async Task<T> GetOrLast(TimeSpan fresherThan, Func<T> never, Action<Exception, bool> failed)
    {
        try
        {
            return await Get(fresherThan);
        }
        catch (Exception ex)
        {
            var heard = Volatile.Read(ref last);
            failed(ex, heard is not null);
            return heard is null ? never() : heard.Value;
        }
    }

    private async Task<Heard> Ask(long at)
    {
        var heard = new Heard(await ask(), at);
        Volatile.Write(ref last, heard);
        return heard;
    }

    /// <summary>A value heard, and when it was asked for.</summary>
    private sealed record Heard(T Value, long At);

    /// <summary>A question out, and when it was asked.</summary>
    private sealed class Asking(long started)
    {
        private readonly TaskCompletionSource<Heard> heard = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public long Started => started;

        public Task<Heard> Heard => heard.Task;

        /// <summary>Asks, once this question is the one out; its answer or failure is every waiter's.</summary>
        public Asking Start(Func<long, Task<Heard>> ask)
        {
            _ = ask(started).ContinueWith(
                t =>
                {
                    if (t.IsCompletedSuccessfully)
                    {
                        heard.SetResult(t.Result);
                    }
                    else
                    {
                        heard.SetException(t.Exception?.InnerExceptions ?? [new TaskCanceledException(t)]);
                    }
                },
                TaskScheduler.Default);
            return this;
        }
    }
}
