using Orion.Contracts;

namespace Orion.Grains.Access;

/// <summary>
/// Stamps the cluster's secret on the calls this silo's own callers make (they are clients to Orleans, hosted in the
/// silo), and keeps the secret and any token off calls to clients (a daemon's commands), so neither leaves the silos.
/// </summary>
public sealed class ClusterCredentialFilter(ClusterCredential credential) : IOutgoingGrainCallFilter
{
    // Async: the request context changed here is this call's, not its caller's.
    public async Task Invoke(IOutgoingGrainCallContext context)
    {
        if (context.TargetId.IsClient())
        {
            RequestContext.Remove(ClusterCredential.RequestKey);
            RequestContext.Remove(AccessToken.RequestKey);
            RequestContext.Remove(AccessToken.CallerKey);
        }
        else if (context.SourceId is not { } source || source.IsClient())
        {
            // No grain's turn: a request handler, a hosted service or an embedded daemon of this silo.
            RequestContext.Set(ClusterCredential.RequestKey, credential.Secret);
        }

        await context.Invoke();
    }
}
