namespace Orion.Contracts;

/// <summary>
/// A client's token made more calls than the pool takes from one token (<c>Orion:Access:CallsPerSecond</c>); the call
/// was not made. Slow down and call again (HTTP's 429).
/// </summary>
[GenerateSerializer, Alias("orion.CallRateExceededException")]
public sealed class CallRateExceededException : Exception
{
    /// <summary>An exception without a message.</summary>
    public CallRateExceededException()
    {
    }

    /// <summary>An exception saying which token passed which rate.</summary>
    public CallRateExceededException(string message)
        : base(message)
    {
    }

    /// <summary>An exception saying which token passed which rate, and why.</summary>
    public CallRateExceededException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
