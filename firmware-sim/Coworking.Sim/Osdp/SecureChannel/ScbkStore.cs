using System.Text.Json;
using Coworking.Sim.Configuration;

namespace Coworking.Sim.Osdp.SecureChannel;

/// <summary>
/// Keeps the SCBK each reader received through osdp_KEYSET, the way a real reader keeps it in flash. With a path the
/// keys survive a restart (a JSON object door id → hex key, written atomically, readable by the owner only);
/// without one they live as long as the process.
/// </summary>
internal sealed class ScbkStore
{
    private readonly Lock gate = new();
    private readonly string? path;
    private readonly Dictionary<string, string> keys;

    public ScbkStore(string? path)
    {
        this.path = path;
        keys = new Dictionary<string, string>(path is not null && File.Exists(path) ? Load(path) : [], StringComparer.OrdinalIgnoreCase);
    }

    public byte[]? Find(string doorId)
    {
        lock (gate)
        {
            return keys.TryGetValue(doorId, out var hex) ? Convert.FromHexString(hex) : null;
        }
    }

    public void Save(string doorId, byte[] key)
    {
        lock (gate)
        {
            keys[doorId] = Convert.ToHexString(key);
            if (path is null)
            {
                return;
            }

            var temporary = path + ".tmp";
            File.WriteAllText(temporary, JsonSerializer.Serialize(keys));
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            File.Move(temporary, path, overwrite: true);
        }
    }

    private static Dictionary<string, string> Load(string path)
    {
        Dictionary<string, string>? stored;
        try
        {
            stored = JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new SimConfigurationException($"keyStorePath {path} is not a JSON object of door id to hex key: {e.Message}", e);
        }

        var bad = stored?.Where(k => k.Value.Length != 32 || !k.Value.All(char.IsAsciiHexDigit)).Select(k => k.Key).ToList() ?? [];
        if (stored is null || bad.Count > 0)
        {
            throw new SimConfigurationException($"keyStorePath {path} holds keys that are not 32 hex digits (doors {string.Join(", ", bad)})");
        }

        return stored;
    }
}
