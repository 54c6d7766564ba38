using System.Text.Json;

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
        keys = path is not null && File.Exists(path)
            ? JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(path)) ?? []
            : [];
        keys = new Dictionary<string, string>(keys, StringComparer.OrdinalIgnoreCase);
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
}
