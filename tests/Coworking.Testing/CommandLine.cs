using System.Diagnostics;

namespace Coworking.Testing;

/// <summary>A system tool (mosquitto_passwd, mosquitto_pub, openssl) run to completion; its output only when it fails.</summary>
internal static class CommandLine
{
    public static async Task RunAsync(string fileName, IEnumerable<string> args)
    {
        if (!File.Exists(fileName))
        {
            throw new FileNotFoundException($"{fileName} is missing: run deploy/local/install-deps.sh", fileName);
        }

        var psi = new ProcessStartInfo(fileName) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {fileName}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw new TimeoutException($"{Path.GetFileName(fileName)} did not finish in 30 s");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(fileName)} exited with {process.ExitCode}: {await stdout}{await stderr}");
        }
    }
}
