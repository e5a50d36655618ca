using System.Collections.Immutable;
using System.Globalization;

namespace Orion.Contracts;

/// <summary>
/// A node's planned maintenance: from <see cref="Start"/> for <see cref="Duration"/> it is cordoned (and, with
/// <see cref="Drain"/>, its tasks are moved elsewhere), and from <see cref="Notice"/> before it the node takes only work
/// whose max runtime ends before it, so long runs do not start there only to be cut off.
/// </summary>
/// <param name="Start">When the node goes into maintenance.</param>
/// <param name="Duration">How long it stays there (1 minute to 30 days); it takes work again at the end.</param>
/// <param name="Reason">Why (1 to 150 characters), shown with the node and in its cordon.</param>
/// <param name="Drain">At the start, also evict every task still on the node (each queued again elsewhere), as a drain does.</param>
/// <param name="Notice">How long before the start the node stops taking work that would run into the window (0 to 30 days).</param>
/// <param name="Every">Repeats this often (longer than <paramref name="Duration"/>, at most 365 days): once it ends, the next
/// occurrence is planned in its place (one that would overlap another window of the node is skipped); null: once.</param>
[GenerateSerializer, Alias("orion.MaintenanceWindow"), Immutable]
public sealed record MaintenanceWindow(
    [property: Id(0)] DateTimeOffset Start,
    [property: Id(1)] TimeSpan Duration,
    [property: Id(2)] string Reason,
    [property: Id(3)] bool Drain = false,
    [property: Id(4)] TimeSpan Notice = default,
    [property: Id(5)] TimeSpan? Every = null)
{
    /// <summary>The longest reason: the cordon's text adds the end time to it and stays within a cordon's 200 characters.</summary>
    public const int MaxReasonLength = 150;

    /// <summary>The most windows one node keeps ahead.</summary>
    public const int MaxPerNode = 16;

    /// <summary>The shortest window.</summary>
    public static readonly TimeSpan MinDuration = TimeSpan.FromMinutes(1);

    /// <summary>The longest window, and the longest notice.</summary>
    public static readonly TimeSpan MaxDuration = TimeSpan.FromDays(30);

    /// <summary>How far ahead a window may start.</summary>
    public static readonly TimeSpan MaxAhead = TimeSpan.FromDays(365);

    /// <summary>How far in the past a start is still taken (a window given as "now" reaches its node a moment later).</summary>
    public static readonly TimeSpan PastTolerance = TimeSpan.FromMinutes(1);

    /// <summary>When the node takes work again.</summary>
    public DateTimeOffset End => Start + Duration;

    /// <summary>From when the node takes only work that ends before <see cref="Start"/>.</summary>
    public DateTimeOffset NoticeFrom => Start - Notice;

    /// <summary>The cordon the window puts on its node: the end time and the reason.</summary>
    public string CordonText => $"maintenance until {Format(End)}: {Reason}";

    /// <summary>The window's rules at <paramref name="now"/>: each broken one with its field; empty when it keeps them all.</summary>
    public ImmutableArray<ValidationError> Check(DateTimeOffset now)
    {
        var errors = ImmutableArray.CreateBuilder<ValidationError>();
        if (string.IsNullOrWhiteSpace(Reason) || Reason.Length > MaxReasonLength)
        {
            errors.Add(new("reason", $"must be 1 to {MaxReasonLength} characters, not blank"));
        }

        if (Duration < MinDuration || Duration > MaxDuration)
        {
            errors.Add(new("duration", $"must be {Durations.Format(MinDuration)} to {Durations.Format(MaxDuration)}; got {Durations.Format(Duration)}"));
        }

        if (Notice < TimeSpan.Zero || Notice > MaxDuration)
        {
            errors.Add(new("notice", $"must be 0s to {Durations.Format(MaxDuration)}; got {Durations.Format(Notice)}"));
        }

        if (Every is { } every && (every <= Duration || every > MaxAhead))
        {
            errors.Add(new("every", $"must be longer than the duration ({Durations.Format(Duration)}) and at most {MaxAhead.TotalDays:0} days; got {Durations.Format(every)}"));
        }

        if (Start < now - PastTolerance)
        {
            errors.Add(new("start", $"must not be in the past; {Format(Start)} is before {Format(now)}"));
        }
        else if (Start > now + MaxAhead)
        {
            errors.Add(new("start", $"must be at most {MaxAhead.TotalDays:0} days ahead; {Format(Start)} is later"));
        }

        return errors.ToImmutable();
    }

    /// <summary>True when the two windows share any time.</summary>
    public bool Overlaps(MaintenanceWindow other) => Start < other.End && other.Start < End;

    /// <summary>A time as windows are written: UTC to the minute, <c>2026-12-05 02:00Z</c> (seconds when there are any).</summary>
    public static string Format(DateTimeOffset at)
    {
        var utc = at.ToUniversalTime();
        return utc.ToString(utc.Second == 0 && utc.Millisecond == 0 ? "yyyy-MM-dd HH:mm" : "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + "Z";
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"{Format(Start)} for {Durations.Format(Duration)}{(Every is { } every ? $", every {Durations.Format(every)}" : "")}{(Drain ? ", drained" : "")}{(Notice > TimeSpan.Zero ? $", notice {Durations.Format(Notice)}" : "")}: {Reason}";
}
