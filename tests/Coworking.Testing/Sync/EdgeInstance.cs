using System.Net.Http.Json;
using System.Text.Json;

namespace Coworking.Testing.Sync;

/// <summary>
/// One edge process with its own data directory, enrolled the way an installer does it and started with
/// `coworking-edge run`; its status page is how the test sees it. May drive one OSDP reader at a door.
/// </summary>
public sealed class EdgeInstance(string dataDirectory, IReadOnlyDictionary<string, string> settings) : IAsyncDisposable
{
    private HttpClient _status = new() { Timeout = TimeSpan.FromSeconds(30) };
    private ChildProcess? _process;

    public string DataDirectory => dataDirectory;

    public string Output => _process?.Output ?? "";

    /// <summary>Where the running edge's status page answers (its port is picked at start).</summary>
    public Uri? StatusUrl { get; private set; }

    /// <summary>The running process's id (for its memory in /proc), or 0.</summary>
    public int Pid => _process?.Pid ?? 0;

    /// <summary>The edge's id as enrolment wrote it.</summary>
    public string EdgeId => JsonDocument.Parse(File.ReadAllText(Path.Combine(dataDirectory, "hub.json"))).RootElement.GetProperty("edgeId").GetString()!;

    public Task<ProgramResult> EnrollAsync(string hubUrls, string code) =>
        ProgramRun.RunAsync("edge/Coworking.Edge", "coworking-edge", ["enroll", "--hub", hubUrls, "--code", code, $"--Edge:DataDirectory={dataDirectory}"]);

    public async Task StartAsync()
    {
        var environment = new Dictionary<string, string>(settings)
        {
            ["Edge__DataDirectory"] = dataDirectory,
            ["Edge__StatusUrl"] = "http://127.0.0.1:0",
        };
        _process = ChildProcess.StartProject("edge/Coworking.Edge", "coworking-edge", ["run"], environment);
        var address = await _process.ListeningAddressAsync(TimeSpan.FromSeconds(60));
        StatusUrl = address;
        _status.Dispose();
        _status = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public async Task KillAsync()
    {
        if (_process is null)
        {
            return;
        }

        _process.Signal(HubInstance.SigKill);
        await Eventually.Async(() => Task.FromResult(_process.HasExited), "the edge has exited", () => Output);
        await _process.DisposeAsync();
        _process = null;
    }

    public void Freeze() => _process?.Signal(HubInstance.SigStop);

    public void Thaw() => _process?.Signal(HubInstance.SigCont);

    public Task<JsonElement> StatusAsync() => _status.GetFromJsonAsync<JsonElement>("/status");

    /// <summary>The reason of the edge's newest decision at any door, as its /status lists it ("granted", "expired", …).</summary>
    public async Task<string> NewestReasonAsync() =>
        (await StatusAsync()).GetProperty("recentDecisions")[0].GetProperty("reason").GetString()!;

    public async Task<long> SeqAsync() => (await StatusAsync()).GetProperty("cache").GetProperty("seq").GetInt64();

    public async Task<JsonElement> SyncAsync() => (await StatusAsync()).GetProperty("sync");

    public Task<JsonElement> WaitForStatusAsync(Func<JsonElement, bool> done, string what) =>
        Eventually.Async(StatusAsync, done, what, () => Output);

    public Task WaitForSeqAsync(long seq) =>
        WaitForStatusAsync(s => s.GetProperty("cache").GetProperty("seq").GetInt64() >= seq, $"edge cache at seq {seq}");

    public Task WaitForConnectedAsync(bool connected) =>
        WaitForStatusAsync(s => s.GetProperty("sync").GetProperty("connected").GetBoolean() == connected, $"edge connected={connected}");

    public Task WaitForEmptyOutboxAsync() =>
        WaitForStatusAsync(s => s.GetProperty("outbox").GetProperty("depth").GetInt64() == 0, "edge outbox empty");

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            Thaw();
            await _process.DisposeAsync();
        }

        _status.Dispose();
    }
}
