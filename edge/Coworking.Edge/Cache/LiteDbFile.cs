using LiteDB;
using LiteDB.Engine;

namespace Coworking.Edge.Cache;

/// <summary>
/// One LiteDB 5 database (data file plus its "-log" write-ahead file) opened so that a commit can be
/// made durable before anyone is told it happened. LiteDB's commit only queues the log pages for a
/// background writer; <see cref="MakeDurable"/> runs a checkpoint, which waits for that writer, syncs
/// the log (<see cref="SyncedFileStream"/>), copies the pages into the data file and syncs it.
/// </summary>
internal sealed class LiteDbFile : IDisposable
{
    private readonly SyncedFileStream _log;
    private readonly SyncedFileStream _data;

    private LiteDbFile(SyncedFileStream log, SyncedFileStream data, LiteDatabase database, string? path)
    {
        Path = path;
        _log = log;
        _data = data;
        Database = database;
    }

    public LiteDatabase Database { get; }

    /// <summary>The data file's path; null for a database opened on streams handed over.</summary>
    public string? Path { get; }

    public static string LogPathOf(string path) =>
        System.IO.Path.Combine(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!,
            System.IO.Path.GetFileNameWithoutExtension(path) + "-log" + System.IO.Path.GetExtension(path));

    /// <summary>
    /// Opens a new file that syncs nothing until <see cref="MakeDurable"/>: for a file that is only used once
    /// it is complete and durable, and deleted otherwise (a snapshot, a rewrite), so its many commits cost no fsync.
    /// </summary>
    public static LiteDbFile OpenScratch(string path)
    {
        var file = Open(path);
        file._log.Deferred = true;
        file._data.Deferred = true;
        return file;
    }

    public static LiteDbFile Open(string path)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        var log = SyncedFileStream.OpenLog(LogPathOf(path));
        SyncedFileStream? data = null;
        try
        {
            data = SyncedFileStream.OpenData(path, log);
            return Open(data, log, path);
        }
        catch
        {
            data?.Dispose();
            log.Dispose();
            throw;
        }
    }

    /// <summary>Opens the database on streams already open; takes them over.</summary>
    internal static LiteDbFile Open(SyncedFileStream data, SyncedFileStream log, string? path = null)
    {
        var engine = new LiteEngine(new EngineSettings { DataStream = data, LogStream = log, AutoRebuild = false });
        return new LiteDbFile(log, data, new LiteDatabase(engine), path);
    }

    /// <summary>Returns once every transaction committed so far is on disk.</summary>
    public void MakeDurable()
    {
        _log.Deferred = false;
        _data.Deferred = false;

        // Checkpointing syncs the log before it copies it into the data file, then syncs that; the data file is
        // synced here too, since a scratch file may have had pages checkpointed into it, unsynced, before.
        Database.Checkpoint();
        _data.Flush();
    }

    public void Dispose()
    {
        Database.Dispose();
        _data.Dispose();
        _log.Dispose();
    }
}
