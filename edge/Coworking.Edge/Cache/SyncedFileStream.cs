namespace Coworking.Edge.Cache;

/// <summary>
/// An unbuffered file stream for LiteDB whose Flush reaches the disk (fsync), and which keeps the
/// write-ahead rule LiteDB 5 itself does not: the data file is never written while the log holds
/// writes that are not yet on disk, and a truncated log is synced before anything reuses it.
/// </summary>
internal sealed class SyncedFileStream : Stream
{
    private readonly Stream _file;
    private readonly Action _syncToDisk;
    private readonly SyncedFileStream? _writeAheadLog;
    private readonly Lock _sync = new();
    private bool _unsynced;

    /// <summary>
    /// While set, Flush syncs nothing (what was written stays unsynced): for a scratch file that is thrown
    /// away unless it is finished, whose every commit need not cost an fsync. Cleared before it is made durable.
    /// </summary>
    internal bool Deferred { get; set; }

    /// <param name="file">The file; in tests, a simulated disk that can lose what was never synced.</param>
    /// <param name="syncToDisk">Makes everything written to <paramref name="file"/> durable (fsync).</param>
    /// <param name="writeAheadLog">For a data file: the log that must be on disk before this file is written.</param>
    internal SyncedFileStream(Stream file, Action syncToDisk, SyncedFileStream? writeAheadLog)
    {
        _file = file;
        _syncToDisk = syncToDisk;
        _writeAheadLog = writeAheadLog;
    }

    /// <summary>Opens the log file; it is synced on Flush and whenever it is truncated.</summary>
    public static SyncedFileStream OpenLog(string path)
    {
        var file = OpenFile(path);
        return new SyncedFileStream(file, () => file.Flush(flushToDisk: true), null);
    }

    /// <summary>Opens the data file; every write first brings <paramref name="log"/> to disk.</summary>
    public static SyncedFileStream OpenData(string path, SyncedFileStream log)
    {
        var file = OpenFile(path);
        return new SyncedFileStream(file, () => file.Flush(flushToDisk: true), log);
    }

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => true;

    public override long Length => _file.Length;

    public override long Position
    {
        get => _file.Position;
        set => _file.Position = value;
    }

    public override int Read(byte[] buffer, int offset, int count) => _file.Read(buffer, offset, count);

    public override long Seek(long offset, SeekOrigin origin) => _file.Seek(offset, origin);

    public override void Write(byte[] buffer, int offset, int count)
    {
        _writeAheadLog?.Flush();
        lock (_sync)
        {
            _file.Write(buffer, offset, count);
            _unsynced = true;
        }
    }

    public override void SetLength(long value)
    {
        _writeAheadLog?.Flush();
        lock (_sync)
        {
            _file.SetLength(value);
            _unsynced = true;
        }

        // LiteDB restarts transaction ids after it empties the log: an old log resurrected by a power
        // cut could then confirm pages of a new transaction. Syncing the truncation rules that out.
        if (value == 0)
        {
            Flush();
        }
    }

    public override void Flush()
    {
        lock (_sync)
        {
            if (!_unsynced || Deferred)
            {
                return;
            }

            _syncToDisk();
            _unsynced = false;
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Flush();
            _file.Dispose();
        }

        base.Dispose(disposing);
    }

    private static FileStream OpenFile(string path) =>
        new(path, new FileStreamOptions
        {
            Mode = FileMode.OpenOrCreate,
            Access = FileAccess.ReadWrite,
            Share = FileShare.None,
            BufferSize = 0,
        });
}
