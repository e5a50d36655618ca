namespace Orion.Contracts;

/// <summary>
/// A metric of its replicas' own that a deployment scales on, as Kubernetes' autoscaler scales on a custom metric: each
/// ready replica's node daemon reads it from the replica's Prometheus endpoint on the node's loopback at every look
/// (vLLM's <c>vllm:num_requests_waiting</c>, TGI's <c>tgi_queue_size</c>, or <c>rate(...)</c> of a request counter), and
/// the deployment keeps as many replicas as carry the sum at <paramref name="Target"/> each.
/// </summary>
/// <param name="Query">What to read: a metric name with optional label matchers, optionally in <c>rate(...)</c> (<see cref="MetricSelector"/>); the samples it matches are summed.</param>
/// <param name="Target">The value to keep each replica at, above 0: more replicas when they read more, fewer when less.</param>
/// <param name="Port">The replica's metrics port on its node's loopback, 1 to 65535.</param>
/// <param name="Path">The metrics page's path, from <c>/</c>.</param>
[GenerateSerializer, Alias("orion.ScaleMetric"), Immutable]
public sealed record ScaleMetric(
    [property: Id(0)] string Query,
    [property: Id(1)] double Target,
    [property: Id(2)] int Port,
    [property: Id(3)] string Path = "/metrics")
{
    /// <summary>The largest <see cref="Target"/>.</summary>
    public const double MaxTarget = 1e9;

    /// <summary>Where it is read: <c>GET :8000/metrics</c>.</summary>
    public string Endpoint => $"GET :{Port}{Path}";

    /// <summary>Its query, parsed; null when it breaks <see cref="MetricSelector.Rule"/>.</summary>
    public MetricSelector? Selector => MetricSelector.Parse(Query);

    /// <summary>"vllm:num_requests_waiting at 5 per replica (GET :8000/metrics)".</summary>
    public override string ToString() =>
        $"{Selector?.ToString() ?? Query} at {Target.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)} per replica ({Endpoint})";

    /// <summary>
    /// The metrics page from its short form, <c>:8000</c> or <c>:8000/metrics</c> (the path defaults to <c>/metrics</c>):
    /// the port and path; null when malformed.
    /// </summary>
    public static (int Port, string Path)? ParseEndpoint(string? text)
    {
        var t = text?.Trim() ?? "";
        if (HealthProbe.Parse(t) is { Port: { } port } probe)
        {
            return (port, t.Contains('/', StringComparison.Ordinal) ? probe.Path! : "/metrics");
        }

        return null;
    }

    /// <summary>Every rule it breaks, each field under <paramref name="field"/>.</summary>
    public IEnumerable<ValidationError> Check(string field)
    {
        if (Selector is null)
        {
            yield return new($"{field}.query", MetricSelector.Rule);
        }

        if (!double.IsFinite(Target) || Target <= 0 || Target > MaxTarget)
        {
            yield return new($"{field}.target", $"must be above 0 and at most {MaxTarget:0e0}");
        }

        if (Port is < 1 or > 65535)
        {
            yield return new($"{field}.port", "must be 1 to 65535");
        }

        if (Path is null || !Path.StartsWith('/') || Path.Length > HealthProbe.MaxLength || Path.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            yield return new($"{field}.path", $"must start with / and have no spaces (at most {HealthProbe.MaxLength} characters)");
        }
    }
}
