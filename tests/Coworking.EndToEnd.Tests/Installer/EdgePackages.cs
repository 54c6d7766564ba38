using System.Diagnostics;
using Coworking.Testing;

namespace Coworking.EndToEnd.Tests.Installer;

/// <summary>
/// The edge's .debs as deploy/edge/package.sh makes them, built once for the packaging tests: version 1.0.0
/// for x64 and arm64 (one self-contained publish each), and 1.0.1 for x64 from the same publish, for an upgrade.
/// </summary>
public sealed class EdgePackages : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "coworking-debs-" + Guid.NewGuid().ToString("N")[..8]);

    public string X64 => Path.Combine(_directory, "coworking-edge_1.0.0_amd64.deb");

    public string X64Upgrade => Path.Combine(_directory, "coworking-edge_1.0.1_amd64.deb");

    public string Arm64 => Path.Combine(_directory, "coworking-edge_1.0.0_arm64.deb");

    public async Task InitializeAsync()
    {
        await RunAsync(Path.Combine(RepoPaths.Root, "deploy/edge/package.sh"), "--version", "1.0.0", "--out", _directory);
        await RunAsync(Path.Combine(RepoPaths.Root, "deploy/edge/package.sh"), "--version", "1.0.1", "--arch", "x64", "--reuse-publish", "--out", _directory);
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_directory, recursive: true);
        return Task.CompletedTask;
    }

    /// <summary>Runs a command to its end; throws with its output when it fails.</summary>
    public static async Task<string> RunAsync(string fileName, params string[] args)
    {
        var psi = new ProcessStartInfo(fileName) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {fileName}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{fileName} {string.Join(' ', args)} exited {process.ExitCode}:\n{await stdout}\n{await stderr}");
        }

        return await stdout + await stderr;
    }
}
