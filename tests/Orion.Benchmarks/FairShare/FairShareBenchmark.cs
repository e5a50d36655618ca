using System.Globalization;
using System.Text.Json;

namespace Orion.Benchmarks.FairShare;

/// <summary>Runs <see cref="FairShareSimulation"/> by holdings alone and with half-lives of a day and a week, and prints what each tenant got.</summary>
public static class FairShareBenchmark
{
    public static async Task<int> RunAsync(int cards, int days, int arrivalDay, int maxJobHours, int seeds, string? json)
    {
        if (arrivalDay < 1 || arrivalDay + 7 > days)
        {
            Console.Error.WriteLine("--arrival-day: must be at least 1 and leave a week before --days ends");
            return 2;
        }

        var modes = new TimeSpan?[] { null, TimeSpan.FromDays(1), TimeSpan.FromDays(7) };
        var results = new List<object>();
        Console.WriteLine($"{cards} cards, {days} days; a queues from day 0, b from day {arrivalDay}; jobs of 1 card, 1-{maxJobHours} h; {seeds} seeds");
        Console.WriteLine("mode | b's share, its first day | first week | second week | card-hours a : b at the end | days of the run to even");
        foreach (var mode in modes)
        {
            var runs = Enumerable.Range(0, seeds).Select(s => FairShareSimulation.Simulate(cards, days, arrivalDay, mode, s, maxJobHours)).ToList();
            double Share(int from, int to) => runs.Average(r => r.CardHoursB[from..to].Sum() / (r.CardHoursA[from..to].Sum() + r.CardHoursB[from..to].Sum()));
            var (firstDay, firstWeek, secondWeek) = (Share(arrivalDay, arrivalDay + 1), Share(arrivalDay, arrivalDay + 7), Share(arrivalDay + 7, Math.Min(days, arrivalDay + 14)));
            var (totalA, totalB) = (runs.Average(r => r.CardHoursA.Sum()), runs.Average(r => r.CardHoursB.Sum()));

            // The first day from which b's running total reaches half of a's (null: not within the run).
            int? even = null;
            for (var d = arrivalDay; d < days && even is null; d++)
            {
                if (runs.All(r => r.CardHoursB[..(d + 1)].Sum() >= 0.5 * r.CardHoursA[..(d + 1)].Sum()))
                {
                    even = d;
                }
            }

            var name = runs[0].Mode;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name} | {100 * firstDay:0.0}% | {100 * firstWeek:0.0}% | {100 * secondWeek:0.0}% | {totalA:0} : {totalB:0} | {(even is { } e ? $"day {e}" : "not reached")}"));
            results.Add(new
            {
                mode = name,
                halfLifeDays = mode?.TotalDays,
                shareOfBFirstDay = firstDay,
                shareOfBFirstWeek = firstWeek,
                shareOfBSecondWeek = secondWeek,
                cardHoursA = totalA,
                cardHoursB = totalB,
                dayBReachesHalfOfA = even,
                dailyShareOfB = Enumerable.Range(0, days).Select(d => runs.Average(r => r.CardHoursA[d] + r.CardHoursB[d] > 0 ? r.CardHoursB[d] / (r.CardHoursA[d] + r.CardHoursB[d]) : 0)).ToArray(),
            });
        }

        if (json is not null)
        {
            await File.WriteAllTextAsync(json, JsonSerializer.Serialize(new { cards, days, arrivalDay, maxJobHours, seeds, results }, new JsonSerializerOptions { WriteIndented = true }));
        }

        return 0;
    }
}
