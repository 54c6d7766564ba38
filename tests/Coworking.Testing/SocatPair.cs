using System.Diagnostics;

namespace Coworking.Testing;

/// <summary>
/// A real pseudo-terminal pair made by socat, standing in for an RS-485 bus: whatever one end writes,
/// the other reads. The edge opens <see cref="EdgeEnd"/>, the simulated readers <see cref="DeviceEnd"/>.
/// </summary>
public sealed class SocatPair : IDisposable
{
    private readonly Process process;

    private SocatPair(Process process, string edgeEnd, string deviceEnd)
    {
        this.process = process;
        EdgeEnd = edgeEnd;
        DeviceEnd = deviceEnd;
    }

    public string EdgeEnd { get; }

    public string DeviceEnd { get; }

    public static async Task<SocatPair> StartAsync(string directory, string name, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(directory);
        var edgeEnd = Path.Combine(directory, $"{name}-edge");
        var deviceEnd = Path.Combine(directory, $"{name}-dev");
        File.Delete(edgeEnd);
        File.Delete(deviceEnd);
        var psi = new ProcessStartInfo("socat")
        {
            UseShellExecute = false,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        psi.ArgumentList.Add("-d");
        psi.ArgumentList.Add($"pty,raw,echo=0,link={edgeEnd}");
        psi.ArgumentList.Add($"pty,raw,echo=0,link={deviceEnd}");
        var process = Process.Start(psi) ?? throw new InvalidOperationException("socat did not start (apt-get install socat)");
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        while (!File.Exists(edgeEnd) || !File.Exists(deviceEnd))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"socat exited with {process.ExitCode}");
            }

            await Task.Delay(20, timeout.Token);
        }

        return new SocatPair(process, edgeEnd, deviceEnd);
    }

    public void Dispose()
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill();
                process.WaitForExit(5000);
            }
        }
        finally
        {
            process.Dispose();
        }
    }
}
