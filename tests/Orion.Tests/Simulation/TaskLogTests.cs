using System.Text;
using Orion.NodeDaemon;

namespace Orion.Tests.Simulation;

public sealed class TaskLogTests
{
    [Fact]
    public void A_piece_that_would_end_inside_a_character_ends_before_it_and_the_next_read_takes_it_whole()
    {
        // "é" is two bytes, "€" three, "𝄞" four.
        using var log = new MemoryStream(Encoding.UTF8.GetBytes("aé€𝄞z"));
        Assert.Equal(("a", 1L), Piece(log, 0, 2));
        Assert.Equal(("é", 3L), Piece(log, 1, 3));
        Assert.Equal(("é", 3L), Piece(log, 1, 4));
        Assert.Equal(("é€", 6L), Piece(log, 1, 5));
        Assert.Equal(("€", 6L), Piece(log, 3, 6));
        Assert.Equal(("𝄞z", 11L), Piece(log, 6, 100));
        Assert.Equal(("z", 11L), Piece(log, -1, 100));
        Assert.Equal(("", 11L), Piece(log, 11, 100));
        Assert.Equal(("", 11L), Piece(log, 500, 100));
        Assert.Equal(11, TaskLogReader.Read(log, 0, 100).Size);
    }

    [Fact]
    public void A_file_being_written_is_read_as_it_grows_and_a_missing_one_is_none()
    {
        var path = Path.Combine(Path.GetTempPath(), $"orion-log-{Guid.NewGuid():N}.log");
        Assert.Null(TaskLogReader.ReadFile(path, 0, 100));
        using (var writer = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite))
        {
            writer.Write("one\n"u8);
            writer.Flush();
            var first = TaskLogReader.ReadFile(path, 0, 100)!;
            Assert.Equal(("one\n", 4L), (first.Text, first.Next));
            writer.Write("two\n"u8);
            writer.Flush();
            Assert.Equal("two\n", TaskLogReader.ReadFile(path, first.Next, 100)!.Text);
        }

        File.Delete(path);
    }

    [Fact]
    public void The_book_keeps_the_newest_launches_and_caps_each_log_saying_so_once()
    {
        var book = new TaskLogBook(maxLogs: 2, maxBytesPerLog: 11);
        book.Write("a", 1, "12345");
        book.Write("a", 1, "6789");
        book.Write("a", 1, "too long for the rest");
        book.Write("a", 1, "and more");
        Assert.Equal("12345\n6789\n[log full at 11 bytes: later lines dropped]\n", book.Read("a", 1, 0, 1000)!.Text);

        book.Write("a", 2, "second run");
        book.Write("b", 1, "another task");
        Assert.Null(book.Read("a", 1, 0, 1000));
        Assert.NotNull(book.Read("a", 2, 0, 1000));
        Assert.NotNull(book.Read("b", 1, 0, 1000));
    }

    private static (string Text, long Next) Piece(Stream log, long offset, int max)
    {
        var piece = TaskLogReader.Read(log, offset, max);
        return (piece.Text, piece.Next);
    }
}
