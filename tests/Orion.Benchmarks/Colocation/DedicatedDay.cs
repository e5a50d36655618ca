namespace Orion.Benchmarks.Colocation;

/// <summary>Today's practice: one card per service and per job, nothing shared.</summary>
public static class DedicatedDay
{
    public static DayOutcome Simulate(ColocationWorkload w)
    {
        var latency = new ResponseTimeModel();
        var hourlyLoad = new double[24];
        var hourlyUse = new double[24];
        var cards = w.Services.Count + w.Batches.Count + w.Trainings.Count;
        var use = 0.0;
        for (var minute = 0; minute < 24 * 60; minute++)
        {
            var hour = minute / 60.0;
            foreach (var s in w.Services)
            {
                var rps = s.RpsAt(hour);
                latency.Add(rps * 60, rps, s.GpuMsPerRequest);
                var load = rps * s.GpuMsPerRequest / 1000 * s.ShareMilli / 1000;
                hourlyLoad[minute / 60] += load / 60;
                use += load;
            }

            // A batch runs at its share in its window until done; training runs until it has its hours.
            use += w.Batches.Sum(b => b.InWindow(hour) && ((hour - b.WindowStartHour + 24) % 24) < b.WorkCardHours / (b.ShareMilli / 1000.0) ? b.ShareMilli / 1000.0 : 0);
            use += w.Trainings.Sum(t => hour < t.CardHoursPerDay ? 1.0 : 0);
        }

        for (var h = 0; h < 24; h++)
        {
            hourlyUse[h] = double.NaN;
        }

        return new DayOutcome(cards, true, true, true, latency.Quantile(0.99), use / (cards * 24 * 60),
            w.Batches.Sum(b => b.WorkCardHours), w.Trainings.Sum(t => t.CardHoursPerDay), 0, 0, hourlyLoad, hourlyUse);
    }
}
