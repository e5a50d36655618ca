namespace Orion.Benchmarks.Colocation;

/// <summary>
/// The model and the grains on the same span of the same workload, side by side. Tolerances, fixed before
/// looking: placement exact (cards of the same make-up); each batch's and training job's card-hours within 2% of its work (at least 0.02
/// card-hours); each batch's finishing time within 2 minutes; memory moves, GiB moved and pauses within 10% (at
/// least 1).
/// </summary>
/// <param name="Seed">The workload's seed.</param>
/// <param name="Cards">Cards in the pool.</param>
/// <param name="FromHour">Hour of day the span starts.</param>
/// <param name="Hours">Its length.</param>
/// <param name="WallSeconds">Wall time of the grain run.</param>
/// <param name="Rows">The quantities compared.</param>
public sealed record GrainsAgreement(int Seed, int Cards, double FromHour, double Hours, double WallSeconds, IReadOnlyList<AgreementRow> Rows)
{
    public bool Agree => Rows.All(r => r.Within);

    private static string Ordinal(int n) => n switch { 1 => "1st", 2 => "2nd", 3 => "3rd", _ => $"{n}th" };

    public static GrainsAgreement Compare(ColocationWorkload w, int seed, ColocationTrace model, ColocationTrace grains, double wallSeconds)
    {
        var rows = new List<AgreementRow>();
        void Add(string quantity, double m, double g, double tolerance) =>
            rows.Add(new AgreementRow(quantity, Math.Round(m, 3), Math.Round(g, 3), Math.Round(g - m, 3), Math.Round(tolerance, 3), Math.Abs(g - m) <= tolerance + 1e-9));
        double Count(double m) => Math.Max(1, 0.1 * m);

        // Cards are interchangeable and so are tasks of one shape: a card agrees when the grains have a card with
        // the same make-up (each task's kind, share and memory) and batches started at one moment may swap places.
        var shape = w.Services.Select(x => (x.Name, Key: $"online {x.ShareMilli}/{x.MemoryMiB}"))
            .Concat(w.Trainings.Select(x => (x.Name, Key: $"training {x.MemoryMiB}")))
            .Concat(w.Batches.Select(x => (x.Name, Key: $"batch {x.ShareMilli}/{x.MemoryMiB}"))).ToDictionary(x => x.Name, x => x.Key);
        List<string> MakeUps(IReadOnlyDictionary<string, int> card) =>
            [.. card.GroupBy(kv => kv.Value).Select(g => string.Join(", ", g.Select(kv => shape[kv.Key]).Order(StringComparer.Ordinal)))];
        var grainCards = MakeUps(grains.Card);
        var matched = MakeUps(model.Card).Count(m => grainCards.Remove(m));
        Add("cards with the model's make-up", MakeUps(model.Card).Count, matched, 0);
        // Batches of one shape are compared in order of progress and of finishing, not by name.
        foreach (var group in w.Batches.GroupBy(b => (b.ShareMilli, b.MemoryMiB, b.WorkCardHours, b.WindowStartHour, b.WindowHours)))
        {
            var names = group.Select(b => b.Name).ToList();
            var label = names.Count == 1 ? names[0] : $"{names[0]}..{names[^1]}";
            var work = group.Key.WorkCardHours;
            var mh = names.Select(n => model.CardHours.GetValueOrDefault(n)).Order().ToList();
            var gh = names.Select(n => grains.CardHours.GetValueOrDefault(n)).Order().ToList();
            for (var i = 0; i < names.Count; i++)
            {
                Add($"{label} card-hours, {Ordinal(i + 1)} least", mh[i], gh[i], Math.Max(0.02, 0.02 * work));
            }

            var mf = names.Where(model.FinishedAtHour.ContainsKey).Select(n => model.FinishedAtHour[n]).Order().ToList();
            var gf = names.Where(grains.FinishedAtHour.ContainsKey).Select(n => grains.FinishedAtHour[n]).Order().ToList();
            Add($"{label} finished", mf.Count, gf.Count, 0);
            for (var i = 0; i < Math.Min(mf.Count, gf.Count); i++)
            {
                Add($"{label} {Ordinal(i + 1)} to finish, at (hours into the span)", mf[i], gf[i], 2.0 / 60);
            }
        }

        foreach (var t in w.Trainings)
        {
            var m = model.CardHours.GetValueOrDefault(t.Name);
            Add($"{t.Name} card-hours", m, grains.CardHours.GetValueOrDefault(t.Name), Math.Max(0.02, 0.02 * m));
        }

        var mm = model.Moves.Values.Sum();
        Add("memory moves", mm, grains.Moves.Values.Sum(), Count(mm));
        var mg = model.GiBMoved.Values.Sum();
        Add("GiB moved", mg, grains.GiBMoved.Values.Sum(), Count(mg));
        var mp = model.Pauses.Values.Sum();
        Add("pauses for online work", mp, grains.Pauses.Values.Sum(), Count(mp));
        if (Environment.GetEnvironmentVariable("COLOC_DEBUG") is { Length: > 0 } debug)
        {
            File.WriteAllLines(debug, model.Card.Keys.Select(n => $"{n}: card {model.Card[n]}/{grains.Card.GetValueOrDefault(n, -1)} moves {model.Moves.GetValueOrDefault(n)}/{grains.Moves.GetValueOrDefault(n)} GiB {model.GiBMoved.GetValueOrDefault(n):F1}/{grains.GiBMoved.GetValueOrDefault(n):F1} pauses {model.Pauses.GetValueOrDefault(n)}/{grains.Pauses.GetValueOrDefault(n)} hours {model.CardHours.GetValueOrDefault(n):F3}/{grains.CardHours.GetValueOrDefault(n):F3}"));
        }

        return new GrainsAgreement(seed, model.Cards, model.FromHour, model.Hours, Math.Round(wallSeconds, 1), rows);
    }
}
