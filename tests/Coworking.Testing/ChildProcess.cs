using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Coworking.Testing;

/// <summary>
/// One of the project's programs run as a real process, as a user would run it: its output is kept so a
/// failing test can show it, and it is killed when the test ends.
/// </summary>
public sealed partial class ChildProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly ConcurrentQueue<string> output = new();

    private ChildProcess(Process process, string name)
    {
        this.process = process;
        Name = name;
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Name { get; }

    public int Pid => process.Id;

    /// <summary>
    /// Whether the process has ended; once it says so, <see cref="Output"/> holds every line it wrote (the parameterless
    /// WaitForExit waits for the redirected streams' end), so the error a program died of is in the message that reports it.
    /// </summary>
    public bool HasExited
    {
        get
        {
            if (!process.HasExited)
            {
                return false;
            }

            process.WaitForExit();
            return true;
        }
    }

    /// <summary>
    /// Starts a built program of the solution (e.g. "hub/Coworking.Hub", "coworking-hub"), of this checkout or of the one
    /// at <paramref name="root"/>.
    /// </summary>
    public static ChildProcess StartProject(
        string projectDir, string assemblyName, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null, string? root = null)
    {
        var dll = Path.Combine(root ?? RepoPaths.Root, projectDir, "bin", BuildConfiguration, "net10.0", assemblyName + ".dll");
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"{dll} is not built: run dotnet build Coworking.sln first", dll);
        }

        var withEnvironment = new Dictionary<string, string> { ["DOTNET_ENVIRONMENT"] = "Development" };
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            withEnvironment[key] = value;
        }

        return Start("dotnet", [dll, .. args], withEnvironment, assemblyName);
    }

    /// <summary>Starts any program (a packaged build, a program under qemu) with these environment variables added.</summary>
    public static ChildProcess Start(string fileName, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null, string? name = null)
    {
        var psi = new ProcessStartInfo(fileName)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[key] = value;
        }

        var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {fileName}");
        return new ChildProcess(process, name ?? Path.GetFileName(fileName));
    }

    /// <summary>The configuration the tests themselves were built with, so they run the matching build.</summary>
    public static string BuildConfiguration =>
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
            ? "Release"
            : "Debug";

    public string Output => string.Join(Environment.NewLine, output);

    public void Signal(int signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    public async Task WaitForOutputAsync(string text, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        while (!output.Any(line => line.Contains(text, StringComparison.Ordinal)))
        {
            if (HasExited)
            {
                throw new InvalidOperationException($"{Name} exited ({process.ExitCode}) before printing '{text}':\n{Output}");
            }

            try
            {
                await Task.Delay(25, cts.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"{Name} did not print '{text}' within {timeout}:\n{Output}");
            }
        }
    }

    /// <summary>Waits for an ASP.NET Core program (hub, edge, sim) started on port 0 to say where it listens.</summary>
    public async Task<Uri> ListeningAddressAsync(TimeSpan timeout)
    {
        await WaitForOutputAsync("Now listening on:", timeout);
        return new Uri(ListeningOn().Match(Output).Groups[1].Value);
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        output.Enqueue(line);
        while (output.Count > 5000 && output.TryDequeue(out _))
        {
        }
    }

    [GeneratedRegex(@"Now listening on: ""?(http://[^\s""]+)")]
    private static partial Regex ListeningOn();
}
