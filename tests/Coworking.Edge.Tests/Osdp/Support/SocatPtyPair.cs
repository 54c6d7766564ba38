using System.Diagnostics;

namespace Coworking.Edge.Tests.Osdp.Support;

/// <summary>A real pseudo-terminal pair made by socat, the way the simulator and the demo wire readers to the edge.</summary>
internal sealed class SocatPtyPair : IAsyncDisposable
{
    private readonly string directory;
    private Process socat;

    private SocatPtyPair(Process socat, string directory)
    {
        this.socat = socat;
        this.directory = directory;
    }

    public string ControlPanelPath => Path.Combine(directory, "cp");

    public string PeripheralPath => Path.Combine(directory, "pd");

    public static async Task<SocatPtyPair> StartAsync()
    {
        var directory = Directory.CreateTempSubdirectory("osdp-pty-").FullName;
        var pair = new SocatPtyPair(Launch(directory), directory);
        await pair.WaitForLinksAsync();
        return pair;
    }

    /// <summary>Ends socat, as if the adapter were unplugged.</summary>
    public async Task StopAsync()
    {
        if (!socat.HasExited)
        {
            socat.Kill();
            await socat.WaitForExitAsync();
        }

        File.Delete(ControlPanelPath);
        File.Delete(PeripheralPath);
    }

    /// <summary>Starts socat again with the same link names, as if the adapter were plugged back in.</summary>
    public async Task StartAgainAsync()
    {
        socat.Dispose();
        socat = Launch(directory);
        await WaitForLinksAsync();
    }

    private static Process Launch(string directory)
    {
        var start = new ProcessStartInfo("socat")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-d");
        start.ArgumentList.Add("-d");
        start.ArgumentList.Add($"pty,raw,echo=0,link={Path.Combine(directory, "cp")}");
        start.ArgumentList.Add($"pty,raw,echo=0,link={Path.Combine(directory, "pd")}");
        var process = Process.Start(start) ?? throw new InvalidOperationException("socat did not start");
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        return process;
    }

    private async Task WaitForLinksAsync()
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            if (File.Exists(ControlPanelPath) && File.Exists(PeripheralPath))
            {
                return;
            }

            if (socat.HasExited)
            {
                break;
            }

            await Task.Delay(50);
        }

        await DisposeAsync();
        throw new InvalidOperationException("socat did not create the pty pair within 5 s");
    }

    public async ValueTask DisposeAsync()
    {
        if (!socat.HasExited)
        {
            socat.Kill();
            await socat.WaitForExitAsync();
        }

        socat.Dispose();
        Directory.Delete(directory, recursive: true);
    }
}
