using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Orion.Client;
using Orion.Client.Monitoring;
using Orion.Contracts;
using Orion.Grains.Access;
using Orion.Silo.Access;

namespace Orion.Silo.Monitoring;

/// <summary>The JSON API under /api that serves the pool page and scripts, and the page itself at /.</summary>
public static class PoolApi
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// The usage a /usage request asks for (UTC days, both included; by default the last 30 up to today), or why it is
    /// refused.
    /// </summary>
    private static async Task<(IResult? Refused, DateOnly First, DateOnly Last, IReadOnlyList<TenantConsumption>? Usage)> Usage(
        IGrainFactory grains, TimeProvider time, string? from, string? to, string? tenant, string? byLabel, bool? byDataCenter, CancellationToken ct)
    {
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        var last = UtcDays.Parse(to) ?? today;
        var first = UtcDays.Parse(from) ?? last.AddDays(-29);
        if (Refused(PoolQueryValidator.Check(tenant: tenant, from: from ?? $"{first:yyyy-MM-dd}", to: to ?? $"{last:yyyy-MM-dd}", byLabel: byLabel, byDataCenter: byDataCenter)) is { } refused)
        {
            return (refused, first, last, null);
        }

        var client = new OrionClient(grains, time: time);
        return (null, first, last, byDataCenter == true
            ? await client.GetConsumptionByDataCenterAsync(first, last, tenant, ct)
            : await client.GetConsumptionAsync(first, last, tenant, byLabel, ct));
    }

    public static WebApplication MapPoolApi(this WebApplication app)
    {
        var api = app.MapGroup("/api");
        api.MapGet("/pool", async (HttpContext http, PoolMonitor m, string? dc, string? node, string? tenant, CancellationToken ct) =>
            Refused(PoolQueryValidator.Check(dc: dc)) ?? ElseWhose(http, ref tenant) ?? Results.Json(new PoolFilter(dc, node, tenant).Apply(await Latest(m, ct)), Json));
        api.MapGet("/nodes", async (HttpContext http, PoolMonitor m, string? dc, string? node, string? tenant, CancellationToken ct) =>
            Refused(PoolQueryValidator.Check(dc: dc)) ?? ElseWhose(http, ref tenant) ?? Results.Json(new PoolFilter(dc, node, tenant).Apply(await Latest(m, ct)).Nodes, Json));
        api.MapGet("/cards", async (HttpContext http, PoolMonitor m, string? dc, string? node, string? tenant, CancellationToken ct) =>
            Refused(PoolQueryValidator.Check(dc: dc)) ?? ElseWhose(http, ref tenant) ?? Results.Json(new PoolFilter(dc, node, tenant).Apply(await Latest(m, ct)).Cards, Json));
        api.MapGet("/tasks", async (HttpContext http, PoolMonitor m, string? dc, string? node, string? tenant, string? state, string[]? label, CancellationToken ct) =>
        {
            if ((Refused(PoolQueryValidator.Check(dc: dc, state: state, labels: label)) ?? ElseWhose(http, ref tenant)) is { } refused)
            {
                return refused;
            }

            var selector = NodeLabels.Parse(label ?? [], "label").Labels;
            return Results.Json(new PoolFilter(dc, node, tenant).Apply(await Latest(m, ct)).Tasks
                .Where(t => string.IsNullOrEmpty(state) || string.Equals(t.State, state, StringComparison.OrdinalIgnoreCase))
                .Where(t => NodeLabels.Match(t.Labels, selector)), Json);
        });
        api.MapGet("/tasks/{id}", async (HttpContext http, IGrainFactory grains, string id, CancellationToken ct) =>
            Refused(PoolQueryValidator.Check(id: id))
            ?? (await grains.Grain<IVGpuTaskGrain>(id).GetStatus() is { } s
                ? Others(http, s.Spec.Tenant, $"task {id}") ?? Results.Json(PoolSummarizer.Task(s) with { Waiting = await WaitingReason.OfAsync(grains, s, ct), PastRuns = s.PastRuns ?? [] }, Json)
                : Results.NotFound()));
        api.MapGet("/tasks/{id}/log", async (HttpContext http, IGrainFactory grains, string id, long? offset, int? max, long? generation, CancellationToken ct) =>
        {
            if (Refused(PoolQueryValidator.Check(id: id, logBytes: max, generation: generation)) is { } refused)
            {
                return refused;
            }

            var status = await grains.Grain<IVGpuTaskGrain>(id).GetStatus();
            if (status is not null && http.Reader() is { } reader && !TenantPrivacy.Shows(reader, status.Spec.Tenant))
            {
                return Results.Problem(statusCode: 403, title: $"{reader} may not read the log of a task of tenant {status.Spec.Tenant}: only its tenant's tokens and admins may.");
            }

            return await TaskLog.ReadAsync(grains, status, offset ?? -65_536, max ?? 65_536, ct, generation) is { } piece ? Results.Json(piece, Json) : Results.NotFound();
        });
        api.MapGet("/deployments", async (HttpContext http, PoolMonitor m, string? tenant, CancellationToken ct) =>
            Refused(PoolQueryValidator.Check(tenant: tenant)) ?? ElseWhose(http, ref tenant)
            ?? Results.Json(new PoolFilter(Tenant: tenant).Apply(await Latest(m, ct)).Deployments is { IsDefault: false } all ? all : [], Json));
        api.MapGet("/deployments/{name}", async (HttpContext http, IGrainFactory grains, string name) =>
            Refused(PoolQueryValidator.Check(deployment: name))
            ?? (await grains.Grain<IDeploymentGrain>(name).GetStatus() is { } d
                ? Others(http, d.Template.Tenant, $"deployment {name}") ?? Results.Json(http.Reader() is { } reader ? TenantPrivacy.For(reader, d) : d, Json)
                : Results.NotFound()));
        api.MapGet("/settings", async (IGrainFactory grains) => Results.Json(await grains.Grain<IPoolSettingsGrain>(GrainKeys.Pool).Get(), Json));
        api.MapGet("/tenants", async (HttpContext http, PoolMonitor m, CancellationToken ct) =>
            Results.Json(KeptTo(http) is { } own ? [.. (await Latest(m, ct)).Tenants.Where(t => t.Tenant == own)] : (await Latest(m, ct)).Tenants, Json));
        // Catch-all: a tenant name may hold slashes ("ml/search").
        api.MapGet("/tenants/{**tenant}", async (HttpContext http, IGrainFactory grains, string tenant) =>
            Refused(PoolQueryValidator.Check(tenant: tenant)) ?? Others(http, tenant, $"tenant {tenant}'s quota") ?? Results.Json(await grains.Grain<ITenantGrain>(tenant).GetUsage(), Json));
        // Days in UTC, both included; by default the last 30 up to today.
        api.MapGet("/usage", async (HttpContext http, IGrainFactory grains, [FromKeyedServices(OrionClock.Key)] TimeProvider time, string? from, string? to, string? tenant, string? byLabel, bool? byDataCenter, CancellationToken ct) =>
            ElseWhose(http, ref tenant) ?? (await Usage(grains, time, from, to, tenant, byLabel, byDataCenter, ct) is var (refused, _, _, usage) && refused is null ? Results.Json(usage, Json) : refused));
        api.MapGet("/usage.csv", async (HttpContext http, IGrainFactory grains, [FromKeyedServices(OrionClock.Key)] TimeProvider time, string? from, string? to, string? tenant, string? byLabel, bool? byDataCenter, bool? daily, CancellationToken ct) =>
        {
            if (ElseWhose(http, ref tenant) is { } others)
            {
                return others;
            }

            var (refused, first, last, usage) = await Usage(grains, time, from, to, tenant, byLabel, byDataCenter, ct);
            if (refused is not null)
            {
                return refused;
            }

            var text = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
            await (daily == true ? UsageCsv.WriteDailyAsync(text, usage!, ct) : UsageCsv.WriteAsync(text, usage!, ct));
            http.Response.Headers.ContentDisposition = $"attachment; filename=\"orion-usage-{first:yyyy-MM-dd}-{last:yyyy-MM-dd}.csv\"";
            return Results.Text(text.ToString(), "text/csv; charset=utf-8");
        });
        api.MapGet("/events", async (HttpContext http, PoolMonitor m, IGrainFactory grains, long? after, int? limit, CancellationToken ct) =>
        {
            if (Refused(PoolQueryValidator.Check(after: after, limit: limit)) is { } refused)
            {
                return refused;
            }

            var events = await grains.Grain<IPoolEventsGrain>(GrainKeys.Pool).Since(after ?? 0, limit ?? 100);
            if (KeptTo(http) is { } own)
            {
                var mine = (await Latest(m, ct)).Tasks.Where(t => t.Tenant == own).Select(t => t.TaskId).ToHashSet(StringComparer.Ordinal);
                events = [.. events.Where(e => mine.Contains(e.TaskId))];
            }

            return Results.Json(events, Json);
        });
        api.MapGet("/stream", (HttpContext http, PoolMonitor m, string? dc, string? node, string? tenant, CancellationToken ct) =>
            Refused(PoolQueryValidator.Check(dc: dc)) ?? ElseWhose(http, ref tenant) ?? TypedResults.ServerSentEvents(Stream(m, new PoolFilter(dc, node, tenant), ct), "pool"));

        app.MapGet("/", () => Page("index.html", "text/html; charset=utf-8"));
        app.MapGet("/pool.js", () => Page("pool.js", "text/javascript; charset=utf-8"));
        app.MapGet("/pool.css", () => Page("pool.css", "text/css; charset=utf-8"));
        return app;
    }

    /// <summary>The pool as JSON now, then after every read that changed something (and every 15 s to keep proxies open).</summary>
    private static async IAsyncEnumerable<string> Stream(PoolMonitor monitor, PoolFilter filter, [EnumeratorCancellation] CancellationToken ct)
    {
        string? last = null;
        var lastSent = DateTime.UtcNow;
        var pool = await Latest(monitor, ct);
        while (!ct.IsCancellationRequested)
        {
            var shown = filter.Apply(pool);
            var fingerprint = JsonSerializer.Serialize(shown with { At = default }, Json);
            if (fingerprint != last || DateTime.UtcNow - lastSent > TimeSpan.FromSeconds(15))
            {
                last = fingerprint;
                lastSent = DateTime.UtcNow;
                yield return JsonSerializer.Serialize(shown, Json);
            }

            pool = await monitor.NextAsync(ct);
        }
    }

    /// <summary>The tenant a request is kept to where the pool keeps tenants apart (its tenant token's); null for any other reader.</summary>
    private static string? KeptTo(HttpContext http) =>
        http.Reader() is { Role: AccessRole.Tenant, Tenant: { } tenant }
        && http.RequestServices.GetRequiredService<IOptions<AccessOptions>>().Value.TenantReads == TenantReads.Own ? tenant : null;

    /// <summary>
    /// Narrows a request's tenant filter to its reader's tenant where tenants are kept apart (none asked: its own); a 403
    /// when it asks for another's, else null.
    /// </summary>
    private static IResult? ElseWhose(HttpContext http, ref string? tenant)
    {
        if (KeptTo(http) is not { } own)
        {
            return null;
        }

        if (!string.IsNullOrEmpty(tenant) && tenant != own)
        {
            return Others(http, tenant, $"tenant {tenant}'s work");
        }

        tenant = own;
        return null;
    }

    /// <summary>A 403 when <paramref name="what"/>, of <paramref name="owner"/>, is not its reader's to read; else null.</summary>
    private static IResult? Others(HttpContext http, string owner, string what) =>
        KeptTo(http) is { } own && owner != own
            ? Results.Problem(statusCode: 403, title: $"{http.Reader()} may not read {what}: this pool keeps tenants apart (Orion:Access:TenantReads is Own).")
            : null;

    /// <summary>A 400 with each broken value and its rule (RFC 9457 problem details), or null when there is none.</summary>
    private static IResult? Refused(Dictionary<string, string[]> errors) =>
        errors.Count == 0 ? null : Results.ValidationProblem(errors, title: "The request breaks a rule; nothing was read.");

    private static async Task<PoolSummary> Latest(PoolMonitor monitor, CancellationToken ct) =>
        monitor.Current ?? await monitor.RefreshAsync(ct);

    private static IResult Page(string name, string contentType)
    {
        var stream = typeof(PoolApi).Assembly.GetManifestResourceStream("Orion.Silo.PoolPage." + name);
        return stream is null ? Results.NotFound() : Results.Stream(stream, contentType);
    }
}
