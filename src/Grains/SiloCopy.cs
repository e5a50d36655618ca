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
    private Task<Heard>? asking;

    /// <summary>The value, from the copy while it is fresh enough.</summary>
    public async Task<T> Get()
    {
        var heard = Volatile.Read(ref last);
        if (heard is not null && keep(heard.Value) && clock.GetElapsedTime(heard.At) < maxAge())
        {
            return heard.Value;
        }

        var pending = Volatile.Read(ref asking);
        if (pending is null)
        {
            var mine = Ask();
            pending = Interlocked.CompareExchange(ref asking, mine, null) ?? mine;
        }

        try
        {
            return (await pending).Value;
        }
        finally
        {
            // The first caller back lets the next question be asked.
            _ = Interlocked.CompareExchange(ref asking, null, pending);
        }
    }

    /// <summary>
    /// The value as <see cref="Get"/> gives it; when asking fails, the last value heard, else <paramref name="never"/>'s:
    /// for what a silo can go on with for a while, such as settings. <paramref name="failed"/> hears the failure and
    /// whether a last value stood in.
    /// </summary>
    public async Task<T> GetOrLast(Func<T> never, Action<Exception, bool> failed)
    {
        try
        {
            return await Get();
        }
        catch (Exception ex)
        {
            var heard = Volatile.Read(ref last);
            failed(ex, heard is not null);
            return heard is null ? never() : heard.Value;
        }
    }

    private async Task<Heard> Ask()
    {
        var at = clock.GetTimestamp();
        var heard = new Heard(await ask(), at);
        Volatile.Write(ref last, heard);
        return heard;
    }

    private sealed record Heard(T Value, long At);
}
