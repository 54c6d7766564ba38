using System.Text.Json;

namespace Coworking.Edge.Osdp.SecureChannel;

/// <summary>
/// Keys the edge gave readers it installed (install mode: SCBK-D, then osdp_KEYSET with a fresh random key).
/// Kept in one JSON file readable only by the edge's user, written whole to a temporary file and renamed, so
/// a crash leaves the old file or the new one, never half of either. A key is saved before it is sent to
/// the reader, so the edge never loses a key a reader may already have. Without a path keys live in memory
/// only and a restarted edge can reach an installed reader only after the reader is reset to install mode.
/// </summary>
public sealed class OsdpKeyStore
{
    private readonly string? path;
    private readonly Lock gate = new();
    private readonly Dictionary<string, string> keys;

    public OsdpKeyStore(string? path)
    {
        this.path = path;
        keys = path is not null && File.Exists(path)
            ? JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(path)) ?? []
            : [];
    }

    public byte[]? Find(string readerId)
    {
        lock (gate)
        {
            return keys.TryGetValue(readerId, out var hex) && OsdpCrypto.TryParseKey(hex, out var key) ? key : null;
        }
    }

    public void Save(string readerId, ReadOnlySpan<byte> key)
    {
        lock (gate)
        {
            keys[readerId] = OsdpCrypto.FormatKey(key);
            Write();
        }
    }

    /// <summary>Forgets the reader's key (the edge returns it to install mode, or a rotation replaced it).</summary>
    public void Remove(string readerId)
    {
        lock (gate)
        {
            if (keys.Remove(readerId))
            {
                Write();
            }
        }
    }

    private void Write()
    {
        if (path is null)
        {
            return;
        }

        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temporary, options))
        {
            JsonSerializer.Serialize(stream, keys);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
