using System.Text;
using Orion.Contracts;

namespace Orion.NodeDaemon;

/// <summary>
/// Task logs kept in memory (the simulator's, whose workloads have no process to write a file): a log per task and
/// generation, each at most <paramref name="maxBytesPerLog"/> (later lines are dropped, with one line saying so), for
/// the newest <paramref name="maxLogs"/> launches. Thread-safe.
/// </summary>
public sealed class TaskLogBook(int maxLogs = 256, int maxBytesPerLog = 256 * 1024)
{
    private readonly object gate = new();
    private readonly Dictionary<(string TaskId, long Generation), Log> logs = [];
    private readonly Queue<(string TaskId, long Generation)> order = new();

    /// <summary>Appends a line to the log of the task's generation, starting one if there is none.</summary>
    public void Write(string taskId, long generation, string line)
    {
        var bytes = Encoding.UTF8.GetBytes(line + "\n");
        lock (gate)
        {
            if (!logs.TryGetValue((taskId, generation), out var log))
            {
                logs[(taskId, generation)] = log = new Log();
                order.Enqueue((taskId, generation));
                while (order.Count > Math.Max(1, maxLogs))
                {
                    logs.Remove(order.Dequeue());
                }
            }

            if (log.Full)
            {
                return;
            }

            log.Bytes.Seek(0, SeekOrigin.End);
            if (log.Bytes.Length + bytes.Length <= maxBytesPerLog)
            {
                log.Bytes.Write(bytes);
            }
            else
            {
                // Said once; past it the log stays as it is.
                log.Full = true;
                log.Bytes.Write(Encoding.UTF8.GetBytes($"[log full at {maxBytesPerLog} bytes: later lines dropped]\n"));
            }
        }
    }

    /// <summary>A piece of the log of the task's generation (see <see cref="TaskLogReader.Read"/>); null when none is kept.</summary>
    public TaskLogChunk? Read(string taskId, long generation, long offset, int maxBytes)
    {
        lock (gate)
        {
            return logs.TryGetValue((taskId, generation), out var log) ? TaskLogReader.Read(log.Bytes, offset, maxBytes) : null;
        }
    }

    private sealed class Log
    {
        public MemoryStream Bytes { get; } = new();

        public bool Full { get; set; }
    }
}
