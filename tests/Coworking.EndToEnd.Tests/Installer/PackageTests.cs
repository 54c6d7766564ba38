using System.Globalization;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Coworking.Testing;
using Coworking.Testing.Sync;

namespace Coworking.EndToEnd.Tests.Installer;

/// <summary>
/// The edge as an installer gets it: a .deb per CPU. The x64 one is installed, upgraded, removed and purged in a
/// scratch root by dpkg itself (maintainer scripts run with DPKG_ROOT, dpkg's chrootless mode); its unit passes
/// systemd-analyze verify; its binary tells systemd it is ready and feeds the watchdog; the arm64 build starts
/// under qemu-user-static, answers /healthz and runs doctor.
/// </summary>
[Collection(Sync.SyncCollection.Name)]
public sealed class PackageTests(EdgePackages packages) : IClassFixture<EdgePackages>, IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("coworking-root-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task Package_installs_upgrades_keeping_the_cache_outbox_and_changed_config_and_purge_removes_them()
    {
        PrepareRoot();

        await DpkgAsync("-i", packages.X64);
        var passwd = await File.ReadAllLinesAsync(At("etc/passwd"));
        var user = passwd.Single(l => l.StartsWith("coworking-edge:", StringComparison.Ordinal)).Split(':');
        var uid = int.Parse(user[2], CultureInfo.InvariantCulture);
        Assert.Equal("/var/lib/coworking-edge", user[5]);
        Assert.Equal("/usr/sbin/nologin", user[6]);
        Assert.Contains("coworking-edge", (await File.ReadAllLinesAsync(At("etc/group"))).Single(l => l.StartsWith("dialout:", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.True(File.Exists(At("opt/coworking-edge/coworking-edge")));
        Assert.True(File.Exists(At("usr/bin/coworking-edge")));
        Assert.Equal($"{uid} 750", await OwnerAndModeAsync(At("var/lib/coworking-edge")));
        Assert.Equal("0 640", await OwnerAndModeAsync(At("etc/coworking-edge/edge.json")));
        Assert.Equal("/lib/systemd/system/coworking-edge.service", new FileInfo(At("etc/systemd/system/multi-user.target.wants/coworking-edge.service")).LinkTarget);
        Assert.Contains("/etc/coworking-edge/edge.json", await File.ReadAllTextAsync(At("var/lib/dpkg/info/coworking-edge.conffiles")), StringComparison.Ordinal);

        await File.WriteAllTextAsync(At("var/lib/coworking-edge/cache.db"), "the grant cache");
        await File.WriteAllTextAsync(At("var/lib/coworking-edge/outbox.db"), "events the hub has not acknowledged");
        var edited = (await File.ReadAllTextAsync(At("etc/coworking-edge/edge.json"))).Replace("http://127.0.0.1:8081", "http://127.0.0.1:8099", StringComparison.Ordinal);
        await File.WriteAllTextAsync(At("etc/coworking-edge/edge.json"), edited);

        await DpkgAsync("--force-confold", "-i", packages.X64Upgrade);

        Assert.Equal("1.0.1", await EdgePackages.RunAsync("dpkg-query", $"--admindir={At("var/lib/dpkg")}", "-W", "-f=${Version}", "coworking-edge"));
        Assert.Equal("the grant cache", await File.ReadAllTextAsync(At("var/lib/coworking-edge/cache.db")));
        Assert.Equal("events the hub has not acknowledged", await File.ReadAllTextAsync(At("var/lib/coworking-edge/outbox.db")));
        Assert.Equal(edited, await File.ReadAllTextAsync(At("etc/coworking-edge/edge.json")));
        Assert.Single(await File.ReadAllLinesAsync(At("etc/passwd")), l => l.StartsWith("coworking-edge:", StringComparison.Ordinal));

        await DpkgAsync("-r", "coworking-edge");

        Assert.False(File.Exists(At("opt/coworking-edge/coworking-edge")));
        Assert.False(File.Exists(At("etc/systemd/system/multi-user.target.wants/coworking-edge.service")));
        Assert.Equal("the grant cache", await File.ReadAllTextAsync(At("var/lib/coworking-edge/cache.db")));
        Assert.Equal(edited, await File.ReadAllTextAsync(At("etc/coworking-edge/edge.json")));

        await DpkgAsync("-P", "coworking-edge");

        Assert.False(Directory.Exists(At("var/lib/coworking-edge")));
        Assert.False(File.Exists(At("etc/coworking-edge/edge.json")));
    }

    [Fact]
    public async Task Service_unit_passes_systemd_analyze_verify_and_asks_for_notify_watchdog_restart_and_hardening()
    {
        await EdgePackages.RunAsync("dpkg-deb", "-x", packages.X64, _root);
        var unit = At("lib/systemd/system/coworking-edge.service");
        // The targets and units it orders itself against, as a Debian system has them.
        await EdgePackages.RunAsync("cp", "-an", "/lib/systemd/system/.", At("lib/systemd/system"));

        var verified = await EdgePackages.RunAsync("systemd-analyze", "verify", "--man=no", $"--root={_root}", "/lib/systemd/system/coworking-edge.service");

        Assert.DoesNotContain("coworking-edge.service", verified, StringComparison.Ordinal);
        var text = await File.ReadAllTextAsync(unit);
        foreach (var line in new[] { "Type=notify", "WatchdogSec=30", "Restart=always", "ProtectSystem=strict", "NoNewPrivileges=yes", "ReadWritePaths=/var/lib/coworking-edge", "DevicePolicy=closed", "DeviceAllow=char-ttyUSB rw", "User=coworking-edge" })
        {
            Assert.Contains(line + "\n", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Packaged_edge_tells_systemd_it_is_ready_and_keeps_pinging_the_watchdog()
    {
        await EdgePackages.RunAsync("dpkg-deb", "-x", packages.X64, _root);
        Directory.CreateDirectory(At("var/lib/coworking-edge"));
        var socketPath = At("notify.sock");
        using var notify = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        notify.Bind(new UnixDomainSocketEndPoint(socketPath));

        await using var edge = ChildProcess.Start(At("opt/coworking-edge/coworking-edge"), ["run"], EdgeEnvironment(new Dictionary<string, string>
        {
            ["NOTIFY_SOCKET"] = socketPath,
            ["WATCHDOG_USEC"] = "1000000",
        }));
        var messages = new List<string>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var buffer = new byte[512];
        while (messages.SkipWhile(m => m != "READY=1").Count(m => m == "WATCHDOG=1") < 2)
        {
            var received = await notify.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            messages.Add(Encoding.UTF8.GetString(buffer, 0, received).Trim());
        }

        Assert.Equal(1, messages.Count(m => m == "READY=1"));
        Assert.True(File.Exists(At("var/lib/coworking-edge/outbox.db")), edge.Output);
    }

    [Fact]
    public async Task Arm64_build_starts_under_qemu_answers_healthz_and_runs_doctor()
    {
        await EdgePackages.RunAsync("dpkg-deb", "-x", packages.Arm64, _root);
        Directory.CreateDirectory(At("var/lib/coworking-edge"));
        var binary = At("opt/coworking-edge/coworking-edge");
        Assert.Contains("ARM aarch64", await EdgePackages.RunAsync("file", "-L", binary), StringComparison.Ordinal);

        var qemu = QemuEnvironment();
        await using var edge = ChildProcess.Start("qemu-aarch64-static", ["-L", "/usr/aarch64-linux-gnu", binary, "run"], qemu);
        // Emulated, and on a shared CI machine: minutes, not seconds.
        var address = await edge.ListeningAddressAsync(TimeSpan.FromMinutes(8));
        using var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(60) };
        await Eventually.Async(async () => (int)(await http.GetAsync(new Uri("/healthz", UriKind.Relative))).StatusCode == 200, "the arm64 edge's /healthz answers 200", () => edge.Output);
        var statusUrl = address.ToString().TrimEnd('/');

        await using var doctor = ChildProcess.Start("qemu-aarch64-static", ["-L", "/usr/aarch64-linux-gnu", binary, "doctor", "--json", $"--Edge:StatusUrl={statusUrl}"], qemu);
        await Eventually.Async(() => Task.FromResult(doctor.HasExited), "doctor has finished", () => doctor.Output, TimeSpan.FromMinutes(8));

        var report = JsonDocument.Parse(doctor.Output[doctor.Output.IndexOf('{', StringComparison.Ordinal)..]).RootElement;
        Assert.True(report.GetProperty("ok").GetBoolean(), doctor.Output);
        Assert.Contains(report.GetProperty("findings").EnumerateArray(), f => f.GetProperty("check").GetString() == "edge" && f.GetProperty("level").GetString() == "ok");
        var status = await http.GetFromJsonAsync<JsonElement>(new Uri("/status", UriKind.Relative));
        Assert.Equal(0, status.GetProperty("outbox").GetProperty("depth").GetInt64());
    }

    /// <summary>The installed configuration file, with the data directory and status port moved into this test's root.</summary>
    private Dictionary<string, string> EdgeEnvironment(Dictionary<string, string>? more = null)
    {
        var environment = new Dictionary<string, string>
        {
            [Coworking.Edge.Configuration.EdgeConfiguration.FileVariable] = At("etc/coworking-edge/edge.json"),
            ["Edge__DataDirectory"] = At("var/lib/coworking-edge"),
            ["Edge__StatusUrl"] = "http://127.0.0.1:0",
        };
        foreach (var (key, value) in more ?? [])
        {
            environment[key] = value;
        }

        return environment;
    }

    /// <summary>The arm64 build under qemu-user: the cross C libraries for the loader, no ICU for arm64 on this box.</summary>
    private Dictionary<string, string> QemuEnvironment() => EdgeEnvironment(new Dictionary<string, string>
    {
        ["DOTNET_SYSTEM_GLOBALIZATION_INVARIANT"] = "1",
        ["DOTNET_EnableWriteXorExecute"] = "0",
    });

    /// <summary>An empty system for dpkg: its database, and the accounts a Debian base system has.</summary>
    private void PrepareRoot()
    {
        foreach (var directory in new[] { "etc", "var/lib/dpkg/info", "var/lib/dpkg/updates", "var/lib/dpkg/triggers", "usr/sbin", "lib/systemd/system" })
        {
            Directory.CreateDirectory(At(directory));
        }

        File.WriteAllText(At("var/lib/dpkg/status"), "");
        File.WriteAllText(At("var/lib/dpkg/available"), "");
        File.WriteAllText(At("etc/passwd"), "root:x:0:0:root:/root:/bin/bash\n");
        File.WriteAllText(At("etc/shadow"), "root:*:19000:0:99999:7:::\n");
        File.WriteAllText(At("etc/group"), "root:x:0:\ndialout:x:20:\n");
        File.WriteAllText(At("etc/gshadow"), "root:*::\ndialout:*::\n");
    }

    private Task<string> DpkgAsync(params string[] args) =>
        EdgePackages.RunAsync("dpkg", [$"--root={_root}", "--force-script-chrootless", "--force-depends", "--log=/dev/null", .. args]);

    private static async Task<string> OwnerAndModeAsync(string path) => (await EdgePackages.RunAsync("stat", "-c", "%u %a", path)).Trim();

    private string At(string relative) => Path.Combine(_root, relative);
}
