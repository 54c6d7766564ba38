using System.Diagnostics;

namespace Coworking.Testing;

/// <summary>What a command-line run of one of the project's programs printed and returned.</summary>
public sealed record ProgramResult(int ExitCode, string Stdout, string Stderr);

/// <summary>Runs a built program of the solution to its end, as an installer's shell would (e.g. `coworking-edge enroll`).</summary>
public static class ProgramRun
{
    /// <param name="root">The checkout the program is built in; this one when null.</param>
    public static async Task<ProgramResult> RunAsync(
        string projectDir, string assemblyName, IEnumerable<string> args, CancellationToken cancellationToken = default, string? root = null)
    {
        var dll = Path.Combine(root ?? RepoPaths.Root, projectDir, "bin", ChildProcess.BuildConfiguration, "net10.0", assemblyName + ".dll");
        var psi = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {dll}");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return new ProgramResult(process.ExitCode, await stdout, await stderr);
    }
}
