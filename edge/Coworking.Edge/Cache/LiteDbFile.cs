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

    private LiteDbFile(SyncedFileStream log, SyncedFileStream data, LiteDatabase database)
    {
        _log = log;
        _data = data;
        Database = database;
    }

    public LiteDatabase Database { get; }

    public static string LogPathOf(string path) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!,
            Path.GetFileNameWithoutExtension(path) + "-log" + Path.GetExtension(path));

    public static LiteDbFile Open(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var log = SyncedFileStream.OpenLog(LogPathOf(path));
        SyncedFileStream? data = null;
        try
        {
            data = SyncedFileStream.OpenData(path, log);
            return Open(data, log);
        }
        catch
        {
            data?.Dispose();
            log.Dispose();
            throw;
        }
    }

    /// <summary>Opens the database on streams already open; takes them over.</summary>
    internal static LiteDbFile Open(SyncedFileStream data, SyncedFileStream log)
    {
        var engine = new LiteEngine(new EngineSettings { DataStream = data, LogStream = log, AutoRebuild = false });
        return new LiteDbFile(log, data, new LiteDatabase(engine));
    }

    /// <summary>Returns once every transaction committed so far is on disk.</summary>
    public void MakeDurable() => Database.Checkpoint();

    public void Dispose()
    {
        Database.Dispose();
        _data.Dispose();
        _log.Dispose();
    }
}
