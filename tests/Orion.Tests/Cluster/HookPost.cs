using System.Net;

namespace Orion.Tests.Cluster;

/// <summary>A POST a <see cref="HookReceiver"/> took: its signing headers, its idempotency key, its body and the answer given.</summary>
public sealed record HookPost(string Method, string Path, string? Timestamp, string? Signature, string? IdempotencyKey, string Body, HttpStatusCode Answer);
