using System.Collections.Immutable;
using Orion.Contracts;

namespace Orion.Grains.Tenancy;

/// <summary>
/// A tenant's quota, the charges of its live tasks and the line of tasks waiting for room: admits a task when every limit
/// still holds with it, and says which limit it would pass otherwise. Also remembers, for <see cref="Grace"/>, the tasks
/// admitted while there was no quota, so a quota set meanwhile counts those that the catalogue does not list yet.
/// </summary>
public sealed class TenantLedger(
    string tenant, TenantQuota? quota, IReadOnlyDictionary<string, TenantCharge>? charges = null, IEnumerable<TenantWaiter>? line = null)
{
    /// <summary>
    /// Longer than a submit can take (a grain call gives up after 30 s): a charge this old whose task does not exist is a
    /// submit that failed after its admission, so it can go.
    /// </summary>
    public static readonly TimeSpan Grace = TimeSpan.FromMinutes(2);

    private readonly Dictionary<string, TenantCharge> charges = new(charges ?? new Dictionary<string, TenantCharge>(), StringComparer.Ordinal);
    private readonly Dictionary<string, TenantCharge> loans = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TenantCharge> recent = new(StringComparer.Ordinal);
    private readonly Queue<string> recentOrder = new();
    private readonly List<TenantWaiter> line = [.. line ?? []];

    // Room set aside for the members of a gang not yet admitted, by gang: a gang's first member is admitted only with room
    // for all of it, so two gangs admitted in part cannot each hold the quota the other's last members wait for.
    private readonly Dictionary<string, (TenantCharge PerMember, int Left)> setAside = new(StringComparer.Ordinal);

    // Card-hours metered in a calendar month (UTC) as last read, against the quota's GpuHoursPerMonth.
    private (DateOnly Month, double CardHours)? spent;

    /// <summary>The quota in force; null when none.</summary>
    public TenantQuota? Quota { get; private set; } = quota is { IsUnlimited: false } ? quota : null;

    /// <summary>The charges, by task.</summary>
    public IReadOnlyDictionary<string, TenantCharge> Charges => charges;

    /// <summary>The tasks waiting for room, first come first.</summary>
    public IReadOnlyList<TenantWaiter> Line => line;

    /// <summary>The tasks on borrowed room (<see cref="TenantQuota.Borrow"/>), by task: not charged against the compute and memory limits.</summary>
    public IReadOnlyDictionary<string, TenantCharge> Loans => loans;

    /// <summary>Whether <paramref name="taskId"/> is charged.</summary>
    public bool Holds(string taskId) => charges.ContainsKey(taskId);

    /// <summary>
    /// Whether a task of <paramref name="spec"/> may run on borrowed room: online work is never evicted, so it never
    /// borrows; nor does a gang's member, which once evicted would queue again alone.
    /// </summary>
    public static bool MayBorrow(TaskSpec spec) => spec.Priority.Class != PriorityClass.Online && spec.Gang is null;

    /// <summary>Whether <paramref name="taskId"/> runs on borrowed room.</summary>
    public bool Lends(string taskId) => loans.ContainsKey(taskId);

    /// <summary>
    /// Whether a task refused by <see cref="Refusal"/> may have borrowed room instead: the quota lends, and the task-count
    /// limit (which borrowed tasks count against too) still holds with it.
    /// </summary>
    public bool MayLend() => Quota is { Lends: true } && !BudgetSpent && OneMoreLiveTaskFits();

    /// <summary>
    /// Takes the card-hours metered in <paramref name="month"/> (its first day, UTC) so far; true when that lifted the
    /// budget's hold on new work (a new month, or a reading that counts less).
    /// </summary>
    public bool SetSpent(DateOnly month, double cardHours)
    {
        var was = BudgetSpent;
        spent = (month, cardHours);
        return was && !BudgetSpent;
    }

    /// <summary>The month (its first day, UTC) of the card-hours last read; null before the first reading.</summary>
    public DateOnly? SpentMonth => spent?.Month;

    /// <summary>The card-hours last read for the month under way; null when the quota sets no monthly budget.</summary>
    public double? SpentThisMonth => Quota?.GpuHoursPerMonth is null ? null : spent?.CardHours ?? 0;

    /// <summary>Whether the quota's monthly budget is spent: no new task is admitted, nor lent room, until the next month.</summary>
    public bool BudgetSpent => Quota?.GpuHoursPerMonth is { } budget && spent is { } s && s.CardHours >= budget;

    /// <summary>The first day of the calendar month (UTC) of <paramref name="at"/>.</summary>
    public static DateOnly MonthOf(DateTimeOffset at) => new(at.UtcDateTime.Year, at.UtcDateTime.Month, 1);

    /// <summary>Whether the live-task limit (charged and borrowed tasks alike) holds with one more task.</summary>
    private bool OneMoreLiveTaskFits() => LiveTasksFit(1);

    /// <summary>Whether the live-task limit holds with <paramref name="more"/> more tasks (the gang members set aside count).</summary>
    private bool LiveTasksFit(int more) => Quota?.Tasks is not { } tasks || Live() + more <= tasks;

    private int Live() => charges.Count + loans.Count + setAside.Values.Sum(a => a.Left);

    /// <summary>Admits a task on borrowed room (replacing any charge it had).</summary>
    public void Lend(string taskId, TenantCharge charge)
    {
        charges.Remove(taskId);
        loans[taskId] = charge;
    }

    /// <summary>Whether <paramref name="taskId"/> waits in line.</summary>
    public bool IsWaiting(string taskId) => line.Exists(w => w.TaskId == taskId);

    /// <summary>
    /// Why <paramref name="asked"/> could never be admitted under the quota, however much room frees: it asks more than a
    /// whole limit, or a memory limit cannot count it. Empty when room could take it.
    /// </summary>
    public ImmutableArray<ValidationError> Inadmissible(TenantCharge asked)
    {
        if (Quota is not { } q)
        {
            return [];
        }

        // A gang is admitted whole or waits whole, so all of it must fit the quota.
        var (what, members) = asked.Gang is { } gang ? ($"the gang {gang.Split('/')[0]} of {asked.GangSize} members", asked.GangSize) : ("the task", 1);
        var errors = ImmutableArray.CreateBuilder<ValidationError>();
        if (PriorityRefusal(asked.Priority) is { } above)
        {
            errors.Add(above);
        }

        if (q.GpuMilli is { } gpu && asked.GpuMilli * members > gpu)
        {
            errors.Add(new("tenant", $"'{tenant}' has a quota of gpuPercent {Percent(gpu)}: {what} asks {Percent(asked.GpuMilli * members)}, more than all of it"));
        }

        if (q.GpuMemoryMiB is { } memory)
        {
            if (!asked.MemoryStated)
            {
                errors.Add(new("resources.gpuMemoryMiB", $"must be stated (above 0) under tenant '{tenant}''s quota of gpuMemoryMiB: the whole card's memory cannot be counted"));
            }
            else if (asked.GpuMemoryMiB * members > memory)
            {
                errors.Add(new("tenant", $"'{tenant}' has a quota of gpuMemoryMiB {memory}: {what} asks {asked.GpuMemoryMiB * members}, more than all of it"));
            }
        }

        if (asked.Priority == PriorityClass.Online && q.OnlineGpuMilli is { } online && asked.GpuMilli * members > online)
        {
            errors.Add(new("tenant", $"'{tenant}' has a quota of onlineGpuPercent {Percent(online)}: {what} asks {Percent(asked.GpuMilli * members)}, more than all of it"));
        }

        if (q.Tasks == 0)
        {
            errors.Add(new("tenant", $"'{tenant}' has a quota of 0 live tasks"));
        }
        else if (q.Tasks < members)
        {
            errors.Add(new("tenant", $"'{tenant}' has a quota of {q.Tasks} live tasks: {what} is more"));
        }

        return errors.ToImmutable();
    }

    /// <summary>Why a task of <paramref name="priority"/> may not run for the tenant (its quota's cap); null when it may.</summary>
    public ValidationError? PriorityRefusal(PriorityClass priority) =>
        Quota?.MaxPriority is { } max && priority > max
            ? new("priority", $"may be at most {Name(max)} for tenant '{tenant}' (its quota's maxPriority), not {Name(priority)}")
            : null;

    private static string Name(PriorityClass priority) => priority.ToString().ToLowerInvariant();

    /// <summary>How many of <paramref name="count"/> new tasks of <paramref name="asked"/> (not a gang's) would be admitted now, together.</summary>
    public int AdmitsNow(TenantCharge asked, int count)
    {
        // Refusal grows with the count: the largest count it does not refuse, by halving.
        var (low, high) = (0, count);
        while (low < high)
        {
            var mid = (low + high + 1) / 2;
            if (Refusal(asked, count: mid).IsEmpty)
            {
                low = mid;
            }
            else
            {
                high = mid - 1;
            }
        }

        return low;
    }

    /// <summary>
    /// Why <paramref name="asked"/> may not be admitted now, each naming its field; empty when it may. A task already live
    /// (a loan taken under the quota: not <paramref name="newTask"/>) does not count again against the live-task limit.
    /// </summary>
    /// <param name="asked">The task's charge.</param>
    /// <param name="newTask">False for a task already live (a loan taken under the quota).</param>
    /// <param name="count">As many new tasks of this charge at once (a dry run of a job array); not for a gang's member.</param>
    public ImmutableArray<ValidationError> Refusal(TenantCharge asked, bool newTask = true, int count = 1)
    {
        if (Quota is not { } q)
        {
            return [];
        }

        // A gang's member: within the room set aside for its gang (only what it asks beyond a member set aside counts),
        // or, as its gang's first, with room for every member not yet admitted.
        var (gpuAsked, memoryAsked, tasksAsked) = (asked.GpuMilli * count, asked.GpuMemoryMiB * count, newTask ? count : 0);
        if (newTask && asked.Gang is { } gang)
        {
            if (setAside.TryGetValue(gang, out var aside))
            {
                (gpuAsked, memoryAsked, tasksAsked) = (Math.Max(0, asked.GpuMilli - aside.PerMember.GpuMilli), Math.Max(0, asked.GpuMemoryMiB - aside.PerMember.GpuMemoryMiB), 0);
            }
            else
            {
                var rest = Math.Max(1, asked.GangSize - Members(gang));
                (gpuAsked, memoryAsked, tasksAsked) = (asked.GpuMilli * rest, asked.GpuMemoryMiB * rest, rest);
            }
        }

        var errors = ImmutableArray.CreateBuilder<ValidationError>();

        // A spent budget stops new work, not a gang's members whose room is set aside (their gang was admitted whole).
        if (newTask && BudgetSpent && !(asked.Gang is { } admitted && setAside.ContainsKey(admitted)))
        {
            var (month, hours) = spent!.Value;
            errors.Add(new("tenant", string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"'{tenant}' spent its quota of gpuHoursPerMonth {q.GpuHoursPerMonth}: {hours:0.##} card-hours in {month:yyyy-MM}; more from {month.AddMonths(1):yyyy-MM-dd} (UTC)")));
        }

        var (gpuUsed, gpuAside) = (Sum(c => c.GpuMilli), SetAside(c => c.GpuMilli));
        if (q.GpuMilli is { } gpu && gpuUsed + gpuAside + gpuAsked > gpu)
        {
            errors.Add(new("tenant", $"'{tenant}' would pass its quota of gpuPercent {Percent(gpu)}: {Percent(gpuUsed)} in use{Aside(Percent(gpuAside), gpuAside)} + {Percent(gpuAsked)} asked"));
        }

        // Memory a task does not state is not counted: Inadmissible refuses it under a memory limit.
        var (memoryUsed, memoryAside) = (Sum(c => c.GpuMemoryMiB), SetAside(c => c.GpuMemoryMiB));
        if (q.GpuMemoryMiB is { } memory && memoryUsed + memoryAside + memoryAsked > memory)
        {
            errors.Add(new("tenant", $"'{tenant}' would pass its quota of gpuMemoryMiB {memory}: {memoryUsed} in use{Aside($"{memoryAside}", memoryAside)} + {memoryAsked} asked"));
        }

        if (tasksAsked > 0 && !LiveTasksFit(tasksAsked))
        {
            errors.Add(new("tenant", $"'{tenant}' would pass its quota of {q.Tasks} live tasks: {Live()} live"));
        }

        // Online work is also bounded on its own (it never borrows); room set aside for an online gang's members counts.
        var (onlineUsed, onlineAside) = (Sum(c => c.Priority == PriorityClass.Online ? c.GpuMilli : 0), SetAside(c => c.Priority == PriorityClass.Online ? c.GpuMilli : 0));
        if (asked.Priority == PriorityClass.Online && q.OnlineGpuMilli is { } online && onlineUsed + onlineAside + gpuAsked > online)
        {
            errors.Add(new("tenant", $"'{tenant}' would pass its quota of onlineGpuPercent {Percent(online)}: {Percent(onlineUsed)} in use{Aside(Percent(onlineAside), onlineAside)} + {Percent(gpuAsked)} asked"));
        }

        return errors.ToImmutable();
    }

    /// <summary>
    /// Charges a task admitted now; a gang's member takes its place in the room set aside for its gang, or, as its gang's
    /// first, sets room aside for the members still to come (see <see cref="Refusal"/>).
    /// </summary>
    public void Admit(string taskId, TenantCharge charge)
    {
        Charge(taskId, charge);
        if (charge.Gang is not { } gang)
        {
            return;
        }

        var left = setAside.TryGetValue(gang, out var aside) ? aside.Left - 1 : charge.GangSize - Members(gang);
        if (left > 0)
        {
            setAside[gang] = (aside.PerMember ?? charge, left);
        }
        else
        {
            setAside.Remove(gang);
        }
    }

    /// <summary>
    /// Sets room aside again (after the ledger was rebuilt) for each gang whose charged <paramref name="members"/> are fewer
    /// than its size and of which none has been placed: a gang admitted in part, whose other members are still to come.
    /// </summary>
    public void SetAsideForIncomplete(IReadOnlyCollection<(string TaskId, bool Placed)> members)
    {
        foreach (var gang in members.Where(m => charges.ContainsKey(m.TaskId)).GroupBy(m => charges[m.TaskId].Gang))
        {
            var charge = charges[gang.First().TaskId];
            var left = charge.GangSize - Members(gang.Key!);
            if (gang.Key is { } key && !setAside.ContainsKey(key) && !gang.Any(m => m.Placed) && left > 0)
            {
                setAside[key] = (charge, left);
            }
        }
    }

    /// <summary>How many members of <paramref name="gang"/> are charged.</summary>
    private int Members(string gang) => charges.Values.Count(c => c.Gang == gang);

    /// <summary>Charges a task (replacing any charge or loan it had).</summary>
    public void Charge(string taskId, TenantCharge charge)
    {
        loans.Remove(taskId);
        charges[taskId] = charge;
    }

    /// <summary>Lets a task's charge or its place in line go; false when it held neither.</summary>
    public bool Release(string taskId)
    {
        recent.Remove(taskId);
        var charged = charges.Remove(taskId, out var charge);
        if (charge?.Gang is { } gang && Members(gang) == 0)
        {
            // Its gang's admitted members are all gone: the rest can never make it whole.
            setAside.Remove(gang);
        }

        return charged | loans.Remove(taskId) | line.RemoveAll(w => w.TaskId == taskId) > 0;
    }

    /// <summary>A task's class changed: its charge, loan or place in line carries the new one (what a lowered cap is checked against).</summary>
    public void Reprioritise(string taskId, PriorityClass priority)
    {
        foreach (var held in new[] { charges, loans })
        {
            if (held.TryGetValue(taskId, out var charge))
            {
                held[taskId] = charge with { Priority = priority };
            }
        }

        var at = line.FindIndex(w => w.TaskId == taskId);
        if (at >= 0)
        {
            line[at] = line[at] with { Charge = line[at].Charge with { Priority = priority } };
        }
    }

    /// <summary>Puts a task at the end of the line (once); one that <paramref name="mayBorrow"/> leaves it on borrowed room once the quota lends.</summary>
    public void Wait(string taskId, TenantCharge charge, bool mayBorrow = false)
    {
        if (!IsWaiting(taskId))
        {
            line.Add(new TenantWaiter(taskId, charge, mayBorrow));
        }
    }

    /// <summary>
    /// Takes out the gangs admitted in part (members still to come) that the quota could no longer take whole (it was
    /// lowered): the charges of their admitted members, with why. Such a gang could never be complete, since its other
    /// members would be refused, so its admitted members would wait holding their charge for ever.
    /// </summary>
    public ImmutableArray<(string TaskId, ImmutableArray<ValidationError> Why)> DropInadmissibleGangs()
    {
        var dropped = ImmutableArray.CreateBuilder<(string, ImmutableArray<ValidationError>)>();
        foreach (var (gang, aside) in setAside.ToArray())
        {
            var why = Inadmissible(aside.PerMember);
            if (why.IsEmpty)
            {
                continue;
            }

            setAside.Remove(gang);
            foreach (var member in charges.Where(c => c.Value.Gang == gang).Select(c => c.Key).ToList())
            {
                charges.Remove(member);
                dropped.Add((member, why));
            }
        }

        return dropped.ToImmutable();
    }

    /// <summary>Takes out of the line the tasks no room under the quota could take any more (it was lowered), with why.</summary>
    public ImmutableArray<(string TaskId, ImmutableArray<ValidationError> Why)> DropInadmissible()
    {
        var dropped = line.Select(w => (w.TaskId, Why: Inadmissible(w.Charge))).Where(d => !d.Why.IsEmpty).ToImmutableArray();
        line.RemoveAll(w => dropped.Any(d => d.TaskId == w.TaskId));
        return dropped;
    }

    /// <summary>
    /// Admits, in line order, each waiting task that fits now (a large one may be passed by smaller ones behind it), or
    /// that may borrow once the quota lends; with no quota, all of them. Returns them in that order, each with whether it
    /// is on borrowed room.
    /// </summary>
    public ImmutableArray<(string TaskId, bool Borrowed)> AdmitWaiting()
    {
        var admitted = ImmutableArray.CreateBuilder<(string, bool)>();
        foreach (var w in line.ToArray())
        {
            var borrowed = false;
            if (Quota is null)
            {
                Remember(w.TaskId, w.Charge);
            }
            else if (Refusal(w.Charge).IsEmpty)
            {
                Admit(w.TaskId, w.Charge);
            }
            else if (w.MayBorrow && MayLend())
            {
                loans[w.TaskId] = w.Charge;
                borrowed = true;
            }
            else
            {
                continue;
            }

            line.Remove(w);
            admitted.Add((w.TaskId, borrowed));
        }

        return admitted.ToImmutable();
    }

    /// <summary>
    /// Takes tasks on borrowed room under the quota, oldest loan first, while room under it takes them (with no quota,
    /// all of them: nothing is on loan without limits); returns them. Meant after <see cref="AdmitWaiting"/>: the line
    /// has room first, since a loan already runs.
    /// </summary>
    public ImmutableArray<string> RepayLoans()
    {
        var repaid = ImmutableArray.CreateBuilder<string>();
        foreach (var (id, charge) in loans.OrderBy(l => l.Value.At).ThenBy(l => l.Key, StringComparer.Ordinal).ToArray())
        {
            if (Quota is null)
            {
                Remember(id, charge);
            }
            else if (Refusal(charge, newTask: false).IsEmpty)
            {
                charges[id] = charge;
            }
            else
            {
                continue;
            }

            loans.Remove(id);
            repaid.Add(id);
        }

        return repaid.ToImmutable();
    }

    /// <summary>Remembers a task admitted without a quota until <see cref="Grace"/> has passed.</summary>
    public void Remember(string taskId, TenantCharge charge)
    {
        if (recent.TryAdd(taskId, charge))
        {
            recentOrder.Enqueue(taskId);
        }
    }

    /// <summary>Forgets the tasks remembered longer than <see cref="Grace"/> before <paramref name="now"/>.</summary>
    public void Forget(DateTimeOffset now)
    {
        while (recentOrder.TryPeek(out var id) && (!recent.TryGetValue(id, out var c) || now - c.At > Grace))
        {
            recentOrder.Dequeue();
            recent.Remove(id);
        }
    }

    /// <summary>
    /// Sets or removes the quota. A first quota charges <paramref name="live"/> (the tenant's live tasks as listed) and the
    /// tasks admitted within <see cref="Grace"/> unless listed as not counting (<paramref name="notCounted"/>: ended, or
    /// between windows); removing it drops every charge.
    /// </summary>
    public void SetQuota(TenantQuota? next, IEnumerable<KeyValuePair<string, TenantCharge>> live, ISet<string> notCounted)
    {
        next = next is { IsUnlimited: false } ? next : null;
        if (next is null)
        {
            // Loans stay until RepayLoans hands them back: their tasks must hear they are no longer on loan.
            charges.Clear();
        }
        else if (Quota is null)
        {
            charges.Clear();
            foreach (var (id, charge) in live)
            {
                charges[id] = charge;
            }

            foreach (var (id, charge) in recent)
            {
                if (!notCounted.Contains(id))
                {
                    charges.TryAdd(id, charge);
                }
            }
        }

        Quota = next;
    }

    /// <summary>
    /// Whether a task in <paramref name="state"/> counts against its tenant: live, not between windows (a scheduled task
    /// holds nothing until its next window opens, when it is admitted again) and not blocked (admitted once the tasks it
    /// runs after have completed).
    /// </summary>
    public static bool Counts(TaskState state) => !state.IsTerminal() && state is not (TaskState.Scheduled or TaskState.Blocked);

    /// <summary>
    /// Charges that a recheck may drop: any whose task ended, and, past <see cref="Grace"/>, any whose task does not exist
    /// or sleeps between windows (its release was lost; a task admitted as its window opens leaves that state at once).
    /// </summary>
    public static bool Stale(TenantCharge charge, VGpuTaskStatus? status, DateTimeOffset now) => status switch
    {
        null => now - charge.At > Grace,
        { State: TaskState.Scheduled or TaskState.Blocked } => now - charge.At > Grace,
        _ => status.State.IsTerminal(),
    };

    /// <summary>What the charges add up to, beside the quota, and how many wait.</summary>
    public TenantUsage Usage() => Usage(tenant, Quota, charges.Values) with
    {
        Waiting = line.Count,
        BorrowedGpuPercent = loans.Values.Sum(c => c.GpuMilli) / 10.0,
        Borrowed = loans.Count,
        SetAsideGpuPercent = SetAside(c => c.GpuMilli) / 10.0,
        SetAsideGpuMemoryMiB = SetAside(c => c.GpuMemoryMiB),
        SetAsideTasks = setAside.Values.Sum(a => a.Left),
        GpuHoursThisMonth = SpentThisMonth,
    };

    /// <summary>What <paramref name="of"/> add up to.</summary>
    public static TenantUsage Usage(string tenant, TenantQuota? quota, IEnumerable<TenantCharge> of)
    {
        long gpu = 0, memory = 0, online = 0;
        var count = 0;
        foreach (var c in of)
        {
            gpu += c.GpuMilli;
            memory += c.GpuMemoryMiB;
            online += c.Priority == PriorityClass.Online ? c.GpuMilli : 0;
            count++;
        }

        return new TenantUsage(tenant, quota, gpu / 10.0, memory, count, OnlineGpuPercent: online / 10.0);
    }

    private long Sum(Func<TenantCharge, long> of)
    {
        long sum = 0;
        foreach (var c in charges.Values)
        {
            sum += of(c);
        }

        return sum;
    }

    /// <summary>What is set aside for gangs' members still to come.</summary>
    private long SetAside(Func<TenantCharge, long> of)
    {
        long sum = 0;
        foreach (var (perMember, left) in setAside.Values)
        {
            sum += of(perMember) * left;
        }

        return sum;
    }

    private static string Aside(string shown, long amount) => amount > 0 ? $" + {shown} set aside for gangs" : "";

    private static string Percent(long milli) => (milli / 10.0).ToString("0.#", System.Globalization.CultureInfo.InvariantCulture);
}
