using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using Orion.Contracts;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Orion.Cli;

/// <summary>Reads spec files and turns a <see cref="SpecFile"/> into a <see cref="TaskSpec"/>. Pure; errors are <see cref="CliException"/>s with exit code 2.</summary>
public static partial class SpecBuilder
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { ReadCommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <summary>Parses a spec file's text: JSON when it starts with <c>{</c>, YAML otherwise (keys in camelCase or kebab-case).</summary>
    public static SpecFile Parse(string text, string source)
    {
        try
        {
            if (text.TrimStart().StartsWith('{'))
            {
                return JsonSerializer.Deserialize<SpecFile>(text, Json) ?? new SpecFile();
            }

            var yaml = new DeserializerBuilder().WithNamingConvention(CamelCaseNamingConvention.Instance).WithCaseInsensitivePropertyMatching().Build();
            var normalized = string.Join('\n', KebabKeysToCamel(text.Split('\n')));
            return yaml.Deserialize<SpecFile?>(normalized) ?? new SpecFile();
        }
        catch (Exception ex) when (ex is JsonException or YamlException)
        {
            throw new CliException($"{source}: {FirstLine(ex.Message)}", ExitCodes.BadInput);
        }
    }

    /// <summary>The spec; fields left out take the CLI's defaults (a 10% slice with 1 GiB running a short batch).</summary>
    public static TaskSpec Build(SpecFile f)
    {
        var priority = ParsePriority(f.Priority ?? "offline");
        var gpus = f.Gpus ?? 1;
        var memory = ParseMiB(f.Memory ?? "1GiB", "memory");
        var hostMemory = ParseMiB(f.HostMemory ?? "0", "host-memory");
        var (cpu, swap) = (f.Cpu ?? 0, f.AllowSwap ?? true);

        // A slice's compute and a CPU-only task's compute and memory go through as given, so the validator names its rule
        // for a bad value (150%, memory without a GPU) instead of the CLI quietly making it something else.
        var resources = gpus switch
        {
            0 => new ResourceRequest(0, f.Compute ?? 0, f.Memory is null ? 0 : memory, cpu, hostMemory, swap),
            1 when (f.Compute ?? 10) != 100 => new ResourceRequest(1, f.Compute ?? 10, memory, cpu, hostMemory, swap),
            _ => new ResourceRequest(gpus, 100, 0, cpu, hostMemory, swap),
        };
        // A command alone means a process; the synthetic kinds are for simulated cards.
        var kind = (f.Kind ?? (f.Command is not null ? "process" : priority.Class == PriorityClass.Online ? "service" : "batch")).ToLowerInvariant();
        var workload = kind switch
        {
            "batch" => WorkloadSpec.Batch(f.Items ?? 100, f.MsPerItem ?? 10),
            "service" => WorkloadSpec.Service(f.Rps ?? 10, f.MsPerItem ?? 5),
            "training" => WorkloadSpec.Training(f.Items ?? 100, f.MsPerItem ?? 10, memory),
            "process" when !string.IsNullOrWhiteSpace(f.Command) => WorkloadSpec.Process(f.Command),
            "process" => throw new CliException("command: is required for kind process (the command line to run)", ExitCodes.BadInput),
            _ => throw new CliException($"kind: '{f.Kind}' is not batch, service, training or process", ExitCodes.BadInput),
        };
        if (f.Env is { Count: > 0 } || f.Workdir is not null)
        {
            // Any kind: the validator names the rule for a workload that takes none.
            workload = workload with { Environment = f.Env is { Count: > 0 } env ? env.ToImmutableDictionary(StringComparer.Ordinal) : null, WorkingDirectory = f.Workdir };
        }

        if (kind != "process" && f.Command is not null)
        {
            throw new CliException($"command: only a process task runs a command, not kind {kind}", ExitCodes.BadInput);
        }

        if (f.MaxPerDomain is not null && f.Spread is null)
        {
            throw new CliException("max-per-domain: applies to a spread group; give spread too", ExitCodes.BadInput);
        }

        if (f.TopologyKey is not null && f.Spread is null)
        {
            throw new CliException("topology-key: applies to a spread group; give spread too", ExitCodes.BadInput);
        }

        if (f.SpreadPreferred is not null && f.Spread is null)
        {
            throw new CliException("spread-preferred: applies to a spread group; give spread too", ExitCodes.BadInput);
        }

        var spread = f.Spread is null ? null : new SpreadSpec(f.Spread, f.MaxPerDomain ?? 1, f.SpreadPreferred ?? false, f.TopologyKey);
        var selector = f.NodeSelector is { Count: > 0 } labels ? labels.ToImmutableDictionary(StringComparer.Ordinal) : null;
        var constraints = new PlacementConstraints([.. f.Models ?? []], string.IsNullOrWhiteSpace(f.DataCenter) ? null : f.DataCenter, f.FailFast ?? false,
            Spread: spread, NodeSelector: selector, Tolerations: f.Tolerations is { Count: > 0 } tolerated ? [.. tolerated] : null,
            NodeAffinity: f.NodeAffinity is { Count: > 0 } rules ? [.. rules] : null,
            PreferredNodeAffinity: f.PreferredNodeAffinity is { Count: > 0 } wishes ? [.. wishes] : null);
        var maxRuntime = f.MaxRuntime is null ? (TimeSpan?)null
            : Durations.Parse(f.MaxRuntime) ?? throw new CliException($"max-runtime: '{f.MaxRuntime}' {Durations.Rule}", ExitCodes.BadInput);
        var idleTimeout = f.IdleTimeout is null ? (TimeSpan?)null
            : Durations.Parse(f.IdleTimeout) ?? throw new CliException($"idle-timeout: '{f.IdleTimeout}' {Durations.Rule}", ExitCodes.BadInput);
        var stopGrace = f.StopGrace is null ? (TimeSpan?)null
            : f.StopGrace.Trim() == "0" ? TimeSpan.Zero
            : Durations.Parse(f.StopGrace) ?? throw new CliException($"stop-grace: '{f.StopGrace}' {Durations.Rule}", ExitCodes.BadInput);
        var restart = f.Restart is null ? null
            : ParseRestart(f.Restart) ?? throw new CliException($"restart: '{f.Restart}' {RestartRule}", ExitCodes.BadInput);
        var afterCondition = f.AfterCondition is null ? AfterCondition.Completed
            : ParseAfterCondition(f.AfterCondition) ?? throw new CliException($"after-condition: '{f.AfterCondition}' {AfterConditionRule}", ExitCodes.BadInput);
        return new TaskSpec(f.Name ?? "task", f.Tenant ?? "default", priority, resources, constraints, workload,
            Restart: restart, After: f.After is { Count: > 0 } after ? [.. after.SelectMany(a => ExpandIds(a) ?? throw new CliException($"after: '{a}' {AfterRule}", ExitCodes.BadInput))] : null,
            MaxRuntime: maxRuntime, AfterCondition: afterCondition,
            Labels: f.Labels is { Count: > 0 } own ? own.ToImmutableDictionary(StringComparer.Ordinal) : null, Notify: f.Notify, NotifyOnStart: f.NotifyStart == true, StayPut: f.StayPut == true,
            IdleTimeout: idleTimeout, Readiness: f.Readiness?.Build("readiness"), Liveness: f.Liveness?.Build("liveness"),
            StopGrace: stopGrace, Startup: f.Startup?.Build("startup"));
    }

    /// <summary>The form <see cref="ParseAfterCondition"/> takes, as errors say it.</summary>
    public const string AfterConditionRule = "is not completed, ended or failed";

    /// <summary><c>completed</c>, <c>ended</c> or <c>failed</c> (any case) as an <see cref="AfterCondition"/>; null for anything else.</summary>
    public static AfterCondition? ParseAfterCondition(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        "completed" => AfterCondition.Completed,
        "ended" => AfterCondition.Ended,
        "failed" => AfterCondition.Failed,
        _ => null,
    };

    /// <summary>The form an <c>after</c> entry takes, as errors say it.</summary>
    public const string AfterRule = TaskIdFormat.Rule + ", or job-array ids as PREFIX-[FIRST-LAST] (embed-[0-499])";

    /// <summary>
    /// An <c>after</c> entry's task ids: a task id alone, or a range of a job array's ids (<c>embed-[0-499]</c>: embed-0 …
    /// embed-499, at most <see cref="TaskSpec.MaxAfter"/>); null when it is neither.
    /// </summary>
    public static IReadOnlyList<string>? ExpandIds(string? entry)
    {
        if (TaskIdFormat.IsValid(entry))
        {
            return [entry!];
        }

        var match = System.Text.RegularExpressions.Regex.Match(entry ?? "", @"^([A-Za-z0-9._-]*)\[([0-9]{1,6})-([0-9]{1,6})\]([A-Za-z0-9._-]*)$");
        if (!match.Success)
        {
            return null;
        }

        var (first, last) = (int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture), int.Parse(match.Groups[3].Value, CultureInfo.InvariantCulture));
        if (last < first || last - first + 1 > TaskSpec.MaxAfter)
        {
            return null;
        }

        var ids = Enumerable.Range(first, last - first + 1).Select(i => $"{match.Groups[1].Value}{i}{match.Groups[4].Value}").ToArray();
        return ids.All(TaskIdFormat.IsValid) ? ids : null;
    }

    /// <summary>The form <see cref="ParseRestart"/> takes, as errors say it.</summary>
    public const string RestartRule = "is not never, on-failure, on-failure:N or on-failure:N:BACKOFF (N from 1 to 100 restarts; BACKOFF a duration up to 5m, doubled per restart)";

    /// <summary>
    /// <c>never</c>, <c>on-failure</c> (3 restarts), <c>on-failure:N</c> or <c>on-failure:N:BACKOFF</c> (the first restart
    /// waits BACKOFF, each after twice the one before); null for anything else.
    /// </summary>
    public static RestartPolicy? ParseRestart(string? text)
    {
        var parts = (text ?? "").Trim().ToLowerInvariant().Split(':', 3);
        int? Max(string n) => int.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out var max) && max is >= 1 and <= 100 ? max : null;
        return parts switch
        {
            ["never"] => RestartPolicy.Never,
            ["on-failure"] => RestartPolicy.OnFailure(3),
            ["on-failure", var n] when Max(n) is { } max => RestartPolicy.OnFailure(max),
            ["on-failure", var n, var b] when Max(n) is { } max && Durations.Parse(b) is { } backoff && backoff <= RestartPolicy.MaxBackoff => RestartPolicy.OnFailure(max, backoff),
            _ => null,
        };
    }

    /// <summary><c>online</c>, <c>training</c>, <c>offline</c>, each optionally with <c>/level</c> (0..1000).</summary>
    public static TaskPriority ParsePriority(string text)
    {
        var parts = text.Split('/', 2);
        if (!Enum.TryParse<PriorityClass>(parts[0], ignoreCase: true, out var cls) || !Enum.IsDefined(cls) || int.TryParse(parts[0], out _))
        {
            throw new CliException($"priority: '{text}' is not online, training or offline (optionally /level)", ExitCodes.BadInput);
        }

        var level = 0;
        if (parts.Length == 2 && (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out level) || level > TaskPriority.MaxLevel))
        {
            throw new CliException($"priority: level '{parts[1]}' is not a whole number from 0 to {TaskPriority.MaxLevel}", ExitCodes.BadInput);
        }

        return new TaskPriority(cls, level);
    }

    /// <summary>A size in MiB: a bare number is MiB; units MiB, GiB, TiB (also M, G, T).</summary>
    public static long ParseMiB(string text, string field)
    {
        var t = text.Trim();
        var digits = t.TakeWhile(c => char.IsDigit(c) || c == '.').Count();
        var (number, unit) = (t[..digits], t[digits..].Trim().ToLowerInvariant());
        var factor = unit switch
        {
            "" or "m" or "mi" or "mib" => 1d,
            "g" or "gi" or "gib" => 1024d,
            "t" or "ti" or "tib" => 1024d * 1024,
            _ => double.NaN,
        };
        if (double.IsNaN(factor) || !double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
        {
            throw new CliException($"{field}: '{text}' is not a size (e.g. 512, 30GiB)", ExitCodes.BadInput);
        }

        return (long)Math.Round(value * factor);
    }

    // The sections whose own keys are the files' (a map such as labels or env keeps its keys as written).
    private static readonly HashSet<string> Sections = new(StringComparer.OrdinalIgnoreCase) { "deployment", "autoscale", "strategy", "readiness", "liveness", "startup" };

    /// <summary>Each line with its key in camelCase where it is a key of the file or of one of its sections, by indentation.</summary>
    private static IEnumerable<string> KebabKeysToCamel(IEnumerable<string> lines)
    {
        var path = new List<(int Indent, string Key)>();
        foreach (var line in lines)
        {
            var trimmed = line.TrimStart();
            var colon = line.IndexOf(':');
            if (colon <= 0 || trimmed.Length == 0 || trimmed.StartsWith('-') || trimmed.StartsWith('#'))
            {
                yield return line;
                continue;
            }

            var indent = line.Length - trimmed.Length;
            path.RemoveAll(p => p.Indent >= indent);
            var ours = path.Count == 0 || Sections.Contains(path[^1].Key);
            var converted = ours ? KebabKeyToCamel(line) : line;
            path.Add((indent, converted[indent..converted.IndexOf(':')].Trim()));
            yield return converted;
        }
    }

    private static string KebabKeyToCamel(string line)
    {
        // host-memory: 16GiB → hostMemory: 16GiB, so YAML files may use the flags' spelling.
        var colon = line.IndexOf(':');
        if (colon <= 0 || line.TrimStart().StartsWith('-') || line.TrimStart().StartsWith('#'))
        {
            return line;
        }

        // Only the files' own keys: a label or variable named app-name (a map's key, not a field) stays as it is.
        var key = line[..colon];
        var indent = key.Length - key.TrimStart().Length;
        var converted = KebabKeys.TryGetValue(key.Trim(), out var camelKey) ? key[..indent] + camelKey + line[colon..] : line;

        // Keys of a value that is an inline map ({max-surge: 1, min-ready: 30s}) too: only the files' own keys, and never
        // inside quotes, so a value is not touched.
        var at = converted.IndexOf(':', StringComparison.Ordinal) + 1;
        if (!converted[at..].TrimStart().StartsWith('{'))
        {
            return converted;
        }

        var result = new System.Text.StringBuilder(converted[..at]);
        var segment = at;
        for (var i = at; i <= converted.Length; i++)
        {
            if (i < converted.Length && converted[i] is not ('"' or '\''))
            {
                continue;
            }

            result.Append(InlineKey().Replace(converted[segment..i], m => KebabKeys.TryGetValue(m.Groups[2].Value, out var camel) ? m.Groups[1].Value + camel : m.Value));
            if (i == converted.Length)
            {
                break;
            }

            // A quoted scalar as it is: "..." with backslash escapes, '...' with '' for a quote.
            var quote = converted[i];
            var end = i + 1;
            while (end < converted.Length && converted[end] != quote)
            {
                end += quote == '"' && converted[end] == '\\' ? 2 : 1;
            }

            end = Math.Min(end + 1, converted.Length);
            result.Append(converted[i..end]);
            segment = end;
            i = end - 1;
        }

        return result.ToString();
    }

    // Every kebab-case key of a spec file and its sections, with its camelCase form.
    private static readonly Dictionary<string, string> KebabKeys = new[] { typeof(SpecFile), typeof(DeploymentFile), typeof(AutoscaleFile), typeof(StrategyFile), typeof(ProbeFile) }
        .SelectMany(t => t.GetProperties())
        .Select(p => (Kebab: string.Concat(p.Name.Select((c, i) => char.IsUpper(c) && i > 0 ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString())), Camel: char.ToLowerInvariant(p.Name[0]) + p.Name[1..]))
        .Where(k => k.Kebab.Contains('-', StringComparison.Ordinal))
        .DistinctBy(k => k.Kebab)
        .ToDictionary(k => k.Kebab, k => k.Camel, StringComparer.Ordinal);

    [System.Text.RegularExpressions.GeneratedRegex(@"([{,]\s*)([a-z][a-z0-9]*(?:-[a-z0-9]+)+)(?=\s*:)")]
    private static partial System.Text.RegularExpressions.Regex InlineKey();

    private static string FirstLine(string s) => s.Split('\n')[0].Trim();
}
