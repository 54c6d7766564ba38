using System.Text.Json;
using Coworking.Edge.Configuration;
using Coworking.Proto.V1;
using Microsoft.Extensions.Logging;

namespace Coworking.Edge.Bridges;

/// <summary>A vendor account as the hub sent it: where its API is and its secrets by name (docs/BRIDGES.md).</summary>
public sealed record VendorAccountSettings(string Vendor, string ApiBase, IReadOnlyDictionary<string, string> Secrets, long Version)
{
    public string Secret(string name) => Secrets.TryGetValue(name, out var value) ? value : "";

    /// <summary>Secrets are never written out by a log or a status page.</summary>
    public override string ToString() => $"{Vendor} account v{Version}";
}

/// <summary>
/// The location's vendor accounts, from the hub's stream (HubMessage.vendor_accounts), kept in one file readable by the
/// edge's own user only (0600) so the bridges run from it while the hub is away. The secrets never reach a log.
/// </summary>
public sealed class VendorAccountStore
{
    public const string FileName = "vendor-accounts.json";

    private readonly string _path;
    private readonly ILogger<VendorAccountStore> _log;
    private volatile IReadOnlyDictionary<string, VendorAccountSettings> _accounts;

    public VendorAccountStore(EdgeOptions edge, ILogger<VendorAccountStore> log)
    {
        _path = Path.Combine(edge.DataDirectory, FileName);
        _log = log;
        _accounts = Load(_path);
    }

    /// <summary>Raised after the accounts changed, with the vendors whose account is new, changed or gone.</summary>
    public event EventHandler<IReadOnlySet<string>>? Changed;

    public VendorAccountSettings? Get(string vendor) => _accounts.TryGetValue(vendor, out var account) ? account : null;

    /// <summary>Replaces every account with what the hub sent; an account missing from it was removed.</summary>
    public void Replace(VendorAccounts accounts)
    {
        var next = accounts.Accounts.ToDictionary(
            a => a.Vendor,
            a => new VendorAccountSettings(a.Vendor, a.ApiBase, new Dictionary<string, string>(a.Secrets), a.Version),
            StringComparer.Ordinal);
        var previous = _accounts;
        var changed = new HashSet<string>(
            next.Keys.Where(v => !previous.TryGetValue(v, out var p) || p.Version != next[v].Version || p.ApiBase != next[v].ApiBase)
                .Concat(previous.Keys.Where(v => !next.ContainsKey(v))),
            StringComparer.Ordinal);
        if (changed.Count == 0)
        {
            return;
        }

        Save(next.Values);
        _accounts = next;
        _log.LogInformation("Vendor accounts changed for {Vendors}; {Count} accounts held", string.Join(", ", changed.Order(StringComparer.Ordinal)), next.Count);
        Changed?.Invoke(this, changed);
    }

    private void Save(IEnumerable<VendorAccountSettings> accounts)
    {
        var temporary = _path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temporary, options))
        {
            JsonSerializer.Serialize(stream, accounts.ToList());
            stream.Flush(flushToDisk: true);
        }

        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.Move(temporary, _path, overwrite: true);
    }

    private static Dictionary<string, VendorAccountSettings> Load(string path)
    {
        if (!File.Exists(path))
        {
            return new Dictionary<string, VendorAccountSettings>(StringComparer.Ordinal);
        }

        var accounts = JsonSerializer.Deserialize<List<VendorAccountSettings>>(File.ReadAllText(path)) ?? [];
        return accounts.ToDictionary(a => a.Vendor, StringComparer.Ordinal);
    }
}
