using Microsoft.Extensions.Hosting;

namespace Orion.Client;

/// <summary>
/// The lifetime of the host inside <see cref="OrionClient.ConnectAsync"/>: none of its own. The default (console) lifetime
/// would take the application's Ctrl+C and SIGTERM for itself (so they no longer end the application) and hold the
/// process's exit until the client is disposed; a library's connection must leave both to the application.
/// </summary>
internal sealed class ClientHostLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
