using Orion.Contracts;

namespace Orion.Tests.Validation;

public sealed class DurationsTests
{
    [Theory]
    [InlineData("90s", 90)]
    [InlineData("45m", 45 * 60)]
    [InlineData("2h", 2 * 3600)]
    [InlineData("1d12h", 36 * 3600)]
    [InlineData("1h30m15s", 5415)]
    [InlineData(" 2H ", 7200)]
    [InlineData("0s", 0)]
    public void Parses_what_people_write(string text, long seconds) => Assert.Equal(TimeSpan.FromSeconds(seconds), Durations.Parse(text));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("90")]
    [InlineData("h")]
    [InlineData("1.5h")]
    [InlineData("30m1h")]
    [InlineData("1h1h")]
    [InlineData("-5m")]
    [InlineData("1w")]
    [InlineData("01:30:00")]
    [InlineData("999999999d")]
    [InlineData("9999999999s")]
    public void Refuses_anything_else(string? text) => Assert.Null(Durations.Parse(text));

    [Theory]
    [InlineData(90, "1m30s")]
    [InlineData(7200, "2h")]
    [InlineData(36 * 3600 + 1, "1d12h1s")]
    [InlineData(0, "0s")]
    public void Formats_in_the_form_it_parses(long seconds, string text)
    {
        Assert.Equal(text, Durations.Format(TimeSpan.FromSeconds(seconds)));
        Assert.Equal(TimeSpan.FromSeconds(seconds), Durations.Parse(text));
    }

    [Fact]
    public void Fractions_of_a_second_are_written_in_seconds() => Assert.Equal("1.5s", Durations.Format(TimeSpan.FromMilliseconds(1500)));
}
