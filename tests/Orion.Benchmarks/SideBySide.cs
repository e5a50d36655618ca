using System.Text.Json;

namespace Orion.Benchmarks;

/// <summary>Runs a baseline and the feature it is measured against alternately in one process, and writes the runs as JSON.</summary>
public static class SideBySide
{
    /// <summary>
    /// <paramref name="rounds"/> times, the baseline (<c>false</c>) then the feature (<c>true</c>): each run's line printed,
    /// all runs written to <paramref name="json"/> when given.
    /// </summary>
    public static async Task<int> RunAsync<T>(int rounds, Func<bool, Task<T>> run, Func<T, string> line, string? json)
    {
        var results = new List<T>();
        for (var round = 0; round < rounds; round++)
        {
            foreach (var feature in new[] { false, true })
            {
                var result = await run(feature);
                results.Add(result);
                Console.WriteLine(line(result));
            }
        }

        if (json is not null)
        {
            await File.WriteAllTextAsync(json, JsonSerializer.Serialize(results, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase }));
        }

        return 0;
    }
}
