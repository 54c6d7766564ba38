using System.Diagnostics;

namespace Coworking.Sim.Tests.Support;

/// <summary>A real pseudo-terminal pair made by socat, as run.sh makes them: the CP opens one end, the sim the other.</summary>
internal sealed class SocatPair : IDisposable
{
    private readonly Process process;
    private readonly string directory;

    private SocatPair(Process process, string directory)
    {
        this.process = process;
        this.directory = directory;
    }

    public string CpEnd => Path.Combine(directory, "edge-bus");

    public string SimEnd => Path.Combine(directory, "sim-bus");

    public static async Task<SocatPair> StartAsync()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"sim-pty-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        var start = new ProcessStartInfo("socat") { UseShellExecute = false, RedirectStandardError = true };
        foreach (var argument in new[] { "-d", "-d", $"pty,raw,echo=0,link={directory}/edge-bus", $"pty,raw,echo=0,link={directory}/sim-bus" })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("socat did not start");
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        var pair = new SocatPair(process, directory);
        for (var attempt = 0; attempt < 250 && !(File.Exists(pair.CpEnd) && File.Exists(pair.SimEnd)); attempt++)
        {
            await Task.Delay(20);
        }

        if (!File.Exists(pair.CpEnd) || !File.Exists(pair.SimEnd))
        {
            pair.Dispose();
            throw new InvalidOperationException("socat did not create the pty pair within 5 s");
        }

        return pair;
    }

    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill();
            process.WaitForExit(2000);
        }

        process.Dispose();
        Directory.Delete(directory, recursive: true);
    }
}
