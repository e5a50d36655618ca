using System.Security.Cryptography;
using System.Text;

namespace Orion.Grains.Notifications;

/// <summary>
/// How a notification is signed (<see cref="NotifyOptions.SigningKey"/>): <c>sha256=</c> and the lower-case hex
/// HMAC-SHA256, keyed by the secret, of the timestamp header's value, a dot, and the body as sent. A receiver computes the
/// same and compares in constant time, and refuses old timestamps. While a key is rotated the header lists a signature
/// with each key, the current one first (<c>sha256=…, sha256=…</c>): a receiver takes the POST when any of them matches.
/// </summary>
public static class NotificationSignature
{
    /// <summary>The signature header's value for <paramref name="body"/> sent at <paramref name="timestamp"/>.</summary>
    public static string Of(string key, string timestamp, ReadOnlySpan<byte> body)
    {
        var signed = new byte[Encoding.UTF8.GetByteCount(timestamp) + 1 + body.Length];
        var at = Encoding.UTF8.GetBytes(timestamp, signed);
        signed[at] = (byte)'.';
        body.CopyTo(signed.AsSpan(at + 1));
        return "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), signed));
    }

    /// <summary>The header's value: the signature with <paramref name="key"/>, then, while rotating, with <paramref name="previous"/>.</summary>
    public static string Header(string key, string? previous, string timestamp, ReadOnlySpan<byte> body) =>
        previous is null ? Of(key, timestamp, body) : $"{Of(key, timestamp, body)}, {Of(previous, timestamp, body)}";
}
