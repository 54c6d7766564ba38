using System.Globalization;

namespace Coworking.Testing.Sync;

/// <summary>
/// One hub process: REST on http://127.0.0.1:&lt;api port&gt;, EdgeSync on https://127.0.0.1:&lt;sync port&gt; with the
/// test authority's certificate. Its ports stay the same across restarts, as a real hub's address does.
/// </summary>
public sealed class HubInstance : IAsyncDisposable
{
    public const int SigKill = 9;
    public const int SigStop = 19;
    public const int SigCont = 18;

    private string _connectionString;
    private HubBuild _build;
    private readonly string _authorityDirectory;
    private readonly IReadOnlyList<string> _settings;
    private readonly IReadOnlyDictionary<string, string>? _environment;
    private readonly int _apiPort = FreePort.Next();
    private readonly int _syncPort = FreePort.Next();
    private ChildProcess? _process;

    private HubInstance(string connectionString, string authorityDirectory, IReadOnlyList<string> settings, IReadOnlyDictionary<string, string>? environment, HubBuild build)
    {
        _connectionString = connectionString;
        _build = build;
        _authorityDirectory = authorityDirectory;
        _settings = settings;
        _environment = environment;
    }

    public Uri ApiUrl => new($"http://127.0.0.1:{_apiPort.ToString(CultureInfo.InvariantCulture)}");

    public string SyncUrl => $"https://127.0.0.1:{_syncPort.ToString(CultureInfo.InvariantCulture)}";

    public string Output => _process?.Output ?? "";

    /// <summary>The hub version this instance runs.</summary>
    public HubBuild Build => _build;

    /// <summary>The running process's id (for its CPU time in /proc), or 0.</summary>
    public int Pid => _process?.Pid ?? 0;

    /// <param name="environment">Environment variables added to the process (e.g. an <see cref="EdgeClock"/>'s, to run the hub on that clock).</param>
    /// <param name="build">The hub version to run; this checkout's when null.</param>
    public static async Task<HubInstance> StartAsync(
        string connectionString, IReadOnlyList<string>? settings = null, IReadOnlyDictionary<string, string>? environment = null, HubBuild? build = null)
    {
        var hub = new HubInstance(connectionString, await EdgeAuthority.DirectoryAsync(), settings ?? [], environment, build ?? HubBuild.Current);
        await hub.StartAsync();
        return hub;
    }

    /// <summary>Starts the process (again) and waits until /readyz answers.</summary>
    public async Task StartAsync()
    {
        _process = ChildProcess.StartProject("hub/Coworking.Hub", "coworking-hub",
        [
            .. PostgresServer.HubSettings(_connectionString),
            $"--Kestrel:Endpoints:Api:Url={ApiUrl}",
            $"--Kestrel:Endpoints:EdgeSync:Url={SyncUrl}",
            "--Kestrel:Endpoints:EdgeSync:Protocols=Http2",
            $"--Kestrel:Endpoints:EdgeSync:Certificate:Path={Path.Combine(_authorityDirectory, "hub.pem")}",
            $"--Kestrel:Endpoints:EdgeSync:Certificate:KeyPath={Path.Combine(_authorityDirectory, "hub.key")}",
            $"--EdgeSync:AuthorityCertificatePath={Path.Combine(_authorityDirectory, "ca.pem")}",
            $"--EdgeSync:PublicUrl={SyncUrl}",
            .. _settings,
        ], _environment, _build.Root);
        using var http = new HttpClient { BaseAddress = ApiUrl, Timeout = TimeSpan.FromSeconds(5) };
        await Eventually.Async(
            async () =>
            {
                if (_process.HasExited)
                {
                    throw new InvalidOperationException($"the hub exited:\n{Output}");
                }

                try
                {
                    using var ready = await http.GetAsync(new Uri("/readyz", UriKind.Relative));
                    return ready.IsSuccessStatusCode;
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    // Not listening yet, or too slow to answer on a loaded machine: ask again.
                    return false;
                }
            },
            "the hub is ready",
            () => Output);
    }

    /// <summary>Stops the process and starts <paramref name="build"/> in its place, at the same addresses: one step of a rolling upgrade.</summary>
    public async Task UpgradeToAsync(HubBuild build)
    {
        await KillAsync();
        _build = build;
        await StartAsync();
    }

    /// <summary>Stops the process and starts it again on another database (a restored copy), at the same addresses.</summary>
    public async Task RestartOnAsync(string connectionString)
    {
        await KillAsync();
        _connectionString = connectionString;
        await StartAsync();
    }

    /// <summary>kill -9: no goodbye to anyone, mid-whatever it was doing.</summary>
    public async Task KillAsync()
    {
        if (_process is null)
        {
            return;
        }

        _process.Signal(SigKill);
        await Eventually.Async(() => Task.FromResult(_process.HasExited), "the hub has exited", () => Output);
        await _process.DisposeAsync();
        _process = null;
    }

    /// <summary>SIGSTOP: the process and its sockets stay, it just stops answering (a hung host).</summary>
    public void Freeze() => _process?.Signal(SigStop);

    public void Thaw() => _process?.Signal(SigCont);

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            Thaw();
            await _process.DisposeAsync();
            _process = null;
        }
    }
}
