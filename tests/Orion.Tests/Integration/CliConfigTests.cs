using System.Text.Json;

namespace Orion.Tests.Integration;

/// <summary><c>orion config</c>, as its own process, against the real silo process: the pool's live settings.</summary>
[Collection(LiveSiloCollection.Name)]
public sealed class CliConfigTests(LiveSilo live)
{
    [Fact]
    public async Task Config_shows_and_changes_the_pools_live_settings_and_refuses_bad_values_at_parse_time()
    {
        var original = await live.Client.GetSettingsAsync();
        try
        {
            var shown = await live.CliAsync("config");
            Assert.True(shown.ExitCode == 0, shown.ToString());
            Assert.Contains(original.Policy, shown.Out);

            var set = await live.CliAsync("config", "--oversubscription", "3", "--memory-oversubscription", "1.25");
            Assert.True(set.ExitCode == 0, set.ToString());
            Assert.Contains("×3", set.Out);
            Assert.Contains("×1.25", set.Out);
            Assert.Contains("changed live at", set.Out);
            using (var api = JsonDocument.Parse(await live.Http.GetStringAsync(live.Url("/api/settings"))))
            {
                Assert.Equal((3.0, 1.25), (api.RootElement.GetProperty("computeOversubscription").GetDouble(), api.RootElement.GetProperty("memoryOversubscription").GetDouble()));
            }

            // Every card takes the new capacity at its node's next heartbeat.
            await ObservabilityTests.Eventually(async () =>
                Assert.All((await live.Client.GetPoolAsync()).Cards, c => Assert.Equal(3000, c.ComputeCapacityMilli)));

            Assert.Contains("off: a task that fits nowhere waits", shown.Out);
            Assert.Contains("off: scattered room is not gathered", shown.Out);
            var evict = await live.CliAsync("config", "--evict-lower-priority", "true", "--consolidate", "true");
            Assert.True(evict.ExitCode == 0, evict.ToString());
            Assert.Contains("on: a higher-class task that fits nowhere evicts lower-class work", evict.Out);
            Assert.Contains("on: a task that fits nowhere has offline work moved to nodes where it fits now", evict.Out);
            using (var api = JsonDocument.Parse(await live.Http.GetStringAsync(live.Url("/api/settings"))))
            {
                Assert.True(api.RootElement.GetProperty("evictLowerPriority").GetBoolean());
                Assert.True(api.RootElement.GetProperty("consolidate").GetBoolean());
            }

            var notBool = await live.CliAsync("config", "--evict-lower-priority", "sometimes");
            Assert.True(notBool.ExitCode == 2, notBool.ToString());
            Assert.StartsWith("orion: --evict-lower-priority: must be true or false", notBool.Error);
            var notBoolToo = await live.CliAsync("config", "--consolidate", "yes");
            Assert.True(notBoolToo.ExitCode == 2, notBoolToo.ToString());
            Assert.StartsWith("orion: --consolidate: must be true or false", notBoolToo.Error);
            Assert.True((await live.Client.GetSettingsAsync()).Consolidate);

            // Fair share by usage history: on with a half-life, off again; a half-life out of range changes nothing.
            Assert.Contains("by holdings now", shown.Out);
            var history = await live.CliAsync("config", "--fair-share-half-life", "7d");
            Assert.True(history.ExitCode == 0, history.ToString());
            Assert.Contains("by holdings now and past use, halving every 7d", history.Out);
            using (var api = JsonDocument.Parse(await live.Http.GetStringAsync(live.Url("/api/settings"))))
            {
                Assert.Equal("7.00:00:00", api.RootElement.GetProperty("fairShareHalfLife").GetString());
            }

            var shares = await live.CliAsync("shares");
            Assert.True(shares.ExitCode == 0, shares.ToString());
            Assert.Contains("PAST USE", shares.Out);
            var tooShort = await live.CliAsync("config", "--fair-share-half-life", "45m");
            Assert.True(tooShort.ExitCode == 2, tooShort.ToString());
            Assert.StartsWith("orion: --fair-share-half-life: must be off or from 1h to 30d (such as 7d)", tooShort.Error);
            Assert.Equal(TimeSpan.FromDays(7), (await live.Client.GetSettingsAsync()).FairShareHalfLife);
            var historyOff = await live.CliAsync("config", "--fair-share-half-life", "off");
            Assert.True(historyOff.ExitCode == 0, historyOff.ToString());
            Assert.Null((await live.Client.GetSettingsAsync()).FairShareHalfLife);

            // Eviction for fair share: off by default, on live.
            Assert.Contains("off: fair share orders the queue, nothing is evicted for it", shown.Out);
            var fairEviction = await live.CliAsync("config", "--fair-share-eviction", "true");
            Assert.True(fairEviction.ExitCode == 0, fairEviction.ToString());
            Assert.Contains("on: a task that fits nowhere evicts offline work of tenants over their fair share", fairEviction.Out);
            using (var api = JsonDocument.Parse(await live.Http.GetStringAsync(live.Url("/api/settings"))))
            {
                Assert.True(api.RootElement.GetProperty("fairShareEviction").GetBoolean());
            }

            var notBoolFair = await live.CliAsync("config", "--fair-share-eviction", "maybe");
            Assert.True(notBoolFair.ExitCode == 2, notBoolFair.ToString());
            Assert.StartsWith("orion: --fair-share-eviction: must be true or false", notBoolFair.Error);
            await live.Client.UpdateSettingsAsync(fairShareEviction: false);

            var policy = await live.CliAsync("config", "--policy", "fastest");
            Assert.True(policy.ExitCode == 2, policy.ToString());
            Assert.StartsWith("orion: --policy: must be one of random, spread", policy.Error);
            var factor = await live.CliAsync("config", "--oversubscription", "0.5");
            Assert.True(factor.ExitCode == 2, factor.ToString());
            Assert.StartsWith("orion: --oversubscription: must be 1 to 100", factor.Error);
            Assert.Equal(3.0, (await live.Client.GetSettingsAsync()).ComputeOversubscription);
        }
        finally
        {
            await live.Client.UpdateSettingsAsync(
                original.Policy, original.ComputeOversubscription, original.MemoryOversubscription, original.EvictLowerPriority, original.Consolidate,
                original.FairShareHalfLife ?? TimeSpan.Zero, original.FairShareEviction);
        }

        await ObservabilityTests.Eventually(async () =>
            Assert.All((await live.Client.GetPoolAsync()).Cards, c => Assert.Equal(original.ComputeCapacityMilli, c.ComputeCapacityMilli)));
    }
}
