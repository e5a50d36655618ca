using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Orion.Contracts;

/// <summary>
/// A number of a deployment's replicas: a count (<c>2</c>), or a share of the count it keeps (<c>25%</c>), as Kubernetes
/// takes its rollout's and disruption budget's numbers, so one strategy fits a deployment at 2 replicas and at 40. An
/// <see cref="int"/> converts to a count. In JSON a count is a number and a share a string ("25%").
/// </summary>
/// <param name="Value">The count, or the percentage when <paramref name="Percent"/>.</param>
/// <param name="Percent">Whether <paramref name="Value"/> is a percentage of the replica count.</param>
[GenerateSerializer, Alias("orion.ReplicaCount"), Immutable]
[JsonConverter(typeof(Json))]
public readonly record struct ReplicaCount([property: Id(0)] int Value, [property: Id(1)] bool Percent = false)
{
    /// <summary>The form <see cref="Parse"/> takes, as errors say it.</summary>
    public const string Rule = "must be a count such as 2 or a share of the replicas such as 25%";

    /// <summary>A count of replicas.</summary>
    public static implicit operator ReplicaCount(int count) => new(count);

    /// <summary>A count of replicas (the named form of the conversion).</summary>
    public static ReplicaCount FromInt32(int count) => new(count);

    /// <summary><paramref name="percent"/> percent of the replica count.</summary>
    public static ReplicaCount Share(int percent) => new(percent, true);

    /// <summary>How many replicas it is of <paramref name="replicas"/>: the count itself, or the share rounded up or down.</summary>
    public int Of(int replicas, bool roundUp) =>
        !Percent ? Value : (int)(roundUp ? Math.Ceiling(replicas * (long)Value / 100.0) : replicas * (long)Value / 100);

    /// <summary>"2" or "25%".</summary>
    public override string ToString() => Value.ToString(CultureInfo.InvariantCulture) + (Percent ? "%" : "");

    /// <summary>What <paramref name="text"/> says ("2", "25%"), or null when it does not keep <see cref="Rule"/>.</summary>
    public static ReplicaCount? Parse(string? text)
    {
        var t = text?.Trim() ?? "";
        var percent = t.EndsWith('%');
        return int.TryParse(percent ? t[..^1] : t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? new ReplicaCount(n, percent) : null;
    }

    private sealed class Json : JsonConverter<ReplicaCount>
    {
        public override ReplicaCount Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.Number ? new(reader.GetInt32())
            : Parse(reader.GetString()) ?? throw new JsonException($"a replica count {Rule}");

        public override void Write(Utf8JsonWriter writer, ReplicaCount value, JsonSerializerOptions options)
        {
            if (value.Percent)
            {
                writer.WriteStringValue(value.ToString());
            }
            else
            {
                writer.WriteNumberValue(value.Value);
            }
        }
    }
}
