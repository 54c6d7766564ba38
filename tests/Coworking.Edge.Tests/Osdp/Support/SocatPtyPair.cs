using System.Diagnostics;

namespace Coworking.Edge.Tests.Osdp.Support;

/// <summary>A real pseudo-terminal pair made by socat, the way the simulator and the demo wire readers to the edge.</summary>
internal sealed class SocatPtyPair : IAsyncDisposable
{
    private readonly Process socat;
    private readonly string directory;

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
        var pair = new SocatPtyPair(process, directory);
        for (var attempt = 0; attempt < 100; attempt++)
        {
            if (File.Exists(pair.ControlPanelPath) && File.Exists(pair.PeripheralPath))
            {
                return pair;
            }

            if (process.HasExited)
            {
                break;
            }

            await Task.Delay(50);
        }

        await pair.DisposeAsync();
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
