using System.Text;
using Orion.Grains.Notifications;

namespace Orion.Tests.Notifications;

public sealed class NotificationSignatureTests
{
    [Fact]
    public void The_signature_is_the_hmac_sha256_of_the_timestamp_a_dot_and_the_body()
    {
        // Computed apart, with Python's hmac module: hmac.new(b'k' * 32, b'1700000000.{"a":1}', sha256).hexdigest().
        Assert.Equal(
            "sha256=6935b796c0fec66e5dee52c86c7fd1218a424c32f1adb239ff2893c31e54f033",
            NotificationSignature.Of(new string('k', 32), "1700000000", Encoding.UTF8.GetBytes("{\"a\":1}")));
        Assert.NotEqual(
            NotificationSignature.Of(new string('k', 32), "1700000000", Encoding.UTF8.GetBytes("{\"a\":1}")),
            NotificationSignature.Of(new string('k', 32), "1700000001", Encoding.UTF8.GetBytes("{\"a\":1}")));
    }

    [Fact]
    public void While_a_key_is_rotated_the_header_lists_the_current_keys_signature_then_the_previous_ones()
    {
        var body = Encoding.UTF8.GetBytes("{\"a\":1}");
        var (current, previous) = (new string('n', 32), new string('k', 32));
        Assert.Equal(NotificationSignature.Of(current, "1700000000", body), NotificationSignature.Header(current, null, "1700000000", body));
        Assert.Equal(
            $"{NotificationSignature.Of(current, "1700000000", body)}, sha256=6935b796c0fec66e5dee52c86c7fd1218a424c32f1adb239ff2893c31e54f033",
            NotificationSignature.Header(current, previous, "1700000000", body));
    }
}
