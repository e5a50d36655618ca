using System.Text.Json;
using Microsoft.Extensions.Logging;
using Orion.Contracts;

namespace Orion.Grains.Notifications;

/// <summary>
/// POSTs an ended task's status to its spec's notify URL, off the grain's turn, through <see cref="HookSender"/>. The task
/// grain keeps the end due until it is taken and sends it again at its reminder, so a receiver may see one end more than
/// once: <c>Idempotency-Key</c> (task id, run and state) tells them apart.
/// </summary>
public sealed class TaskNotifier(HookSender sender, ILogger<TaskNotifier> logger)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// Sends the notification of <paramref name="status"/>; the task returned is true when the receiver took it, false
    /// when this round of attempts failed (never faults).
    /// </summary>
    public Task<bool> Send(VGpuTaskStatus status)
    {
        if (status.Spec.Notify is not { } url)
        {
            return Task.FromResult(true);
        }

        return Task.Run(async () =>
        {
            byte[] body;
            try
            {
                body = JsonSerializer.SerializeToUtf8Bytes(TaskNotification.Of(status), Json);
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Task {TaskId}'s notification could not be written", status.TaskId);
                return false;
            }

            return await sender.Deliver(url, KeyOf(status), body, $"Task {status.TaskId}'s notification");
        });
    }

    /// <summary>What names one notification the same on every attempt: the task, its run and the state told ("job-7.1.completed").</summary>
    public static string KeyOf(VGpuTaskStatus status) => $"{status.TaskId}.{status.Generation}.{status.State.ToString().ToLowerInvariant()}";

    /// <summary>Counts a notification given up for good (<see cref="NotifyOptions.RetryFor"/> passed).</summary>
    public static void GiveUp() => HookSender.GiveUp();
}
