using System.Text;
using Orion.Contracts;

namespace Orion.NodeDaemon;

/// <summary>Reads a piece of a log kept as bytes (a file, or memory), by the offsets <see cref="TaskLogChunk"/> speaks of.</summary>
public static class TaskLogReader
{
    /// <summary>
    /// Up to <paramref name="maxBytes"/> (at most <see cref="TaskLogChunk.MaxBytes"/>) of <paramref name="log"/> from
    /// <paramref name="offset"/>; a negative offset counts back from the end, one past the end reads nothing.
    /// </summary>
    public static TaskLogChunk Read(Stream log, long offset, int maxBytes)
    {
        var size = log.Length;
        var start = offset < 0 ? Math.Max(0, size + offset) : Math.Min(offset, size);
        var count = (int)Math.Min(Math.Clamp(maxBytes, 0, TaskLogChunk.MaxBytes), size - start);
        var bytes = new byte[count];
        log.Position = start;
        log.ReadExactly(bytes);

        // A piece that ends inside a character gives back that character's first bytes, to be read whole next time.
        var whole = count;
        for (var i = count - 1; i >= 0 && i >= count - 4; i--)
        {
            var b = bytes[i];
            if ((b & 0xC0) == 0x80)
            {
                continue;
            }

            var length = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
            whole = i + length > count ? i : count;
            break;
        }

        return new TaskLogChunk(Encoding.UTF8.GetString(bytes, 0, whole), start, start + whole, size);
    }

    /// <summary>As <see cref="Read(Stream, long, int)"/>, of a file that another process may still be writing; null when there is none.</summary>
    public static TaskLogChunk? ReadFile(string path, long offset, int maxBytes)
    {
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return Read(file, offset, maxBytes);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }
}
