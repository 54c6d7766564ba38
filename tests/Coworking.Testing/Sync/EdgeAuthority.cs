using System.Diagnostics;

namespace Coworking.Testing.Sync;

/// <summary>
/// The local certificate authority and hub certificate, made once per test run by the same script an
/// operator uses (deploy/local/make-edge-ca.sh).
/// </summary>
public static class EdgeAuthority
{
    private static readonly Lazy<Task<string>> Directory = new(MakeAsync);

    public static Task<string> DirectoryAsync() => Directory.Value;

    private static async Task<string> MakeAsync()
    {
        var dir = Path.Combine(RepoPaths.LocalDir, "test-ca", $"{Environment.ProcessId}");
        var psi = new ProcessStartInfo(Path.Combine(RepoPaths.Root, "deploy", "local", "make-edge-ca.sh"))
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.ArgumentList.Add(dir);
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("could not run make-edge-ca.sh");
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"make-edge-ca.sh failed: {await stderr}");
        }

        AppDomain.CurrentDomain.ProcessExit += (_, _) => System.IO.Directory.Delete(dir, recursive: true);
        return dir;
    }
}
