namespace Orion.Contracts;

/// <summary>Sends a client's access token with each of its grain calls (the SDK's and a node daemon's connection).</summary>
/// <param name="token">The token (<see cref="AccessToken"/>).</param>
public sealed class AccessTokenFilter(string token) : IOutgoingGrainCallFilter
{
    /// <summary>Sets the token on the call's request context and sends it.</summary>
    public async Task Invoke(IOutgoingGrainCallContext context)
    {
        // Async: the token is set on this call's own request context, not its caller's.
        RequestContext.Set(AccessToken.RequestKey, token);
        await context.Invoke();
    }
}
