using System.Text.Json;
using System.Text.Json.Serialization;

namespace Orion.Cli;

/// <summary>Reads a JSON number or string as its text, so a JSON spec file may write <c>"maxSurge": 1</c> as YAML's <c>max-surge: 1</c> reads.</summary>
public sealed class TextOrNumber : JsonConverter<string?>
{
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString(),
        JsonTokenType.Number => System.Text.Encoding.UTF8.GetString(reader.ValueSpan),
        JsonTokenType.Null => null,
        _ => throw new JsonException($"expected a number or a string, not {reader.TokenType}"),
    };

    public override void Write(Utf8JsonWriter writer, string? value, JsonSerializerOptions options) => writer.WriteStringValue(value);
}
