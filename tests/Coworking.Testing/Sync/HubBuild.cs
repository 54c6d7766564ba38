using System.Diagnostics;

namespace Coworking.Testing.Sync;

/// <summary>
/// Which hub program a <see cref="HubInstance"/> runs: this checkout's build, or an earlier version's, exported from git
/// and built beside it, for a rolling upgrade (docs/OPERATIONS.md, "Upgrades without downtime").
/// </summary>
public sealed class HubBuild
{
    private const string Migrations = "hub/Coworking.Hub/Migrations";

    private HubBuild(string root, string version)
    {
        Root = root;
        Version = version;
    }

    /// <summary>The hub of this checkout, built with the tests.</summary>
    public static HubBuild Current { get; } = new(RepoPaths.Root, "this checkout");

    /// <summary>The checkout the program is built in.</summary>
    public string Root { get; }

    /// <summary>The commit it was built from, or "this checkout".</summary>
    public string Version { get; }

    /// <summary>
    /// The hub as it was before its newest migration: the parent of the newest commit that changed the migrations, or the
    /// last commit when the working tree changes them. Exported by <c>git archive</c> into .local/hub-versions/&lt;commit&gt;
    /// and built there once; later runs reuse it.
    /// </summary>
    public static async Task<HubBuild> BeforeNewestMigrationAsync()
    {
        var uncommitted = await GitAsync("status", "--porcelain", "--", Migrations);
        var commit = uncommitted.Length > 0
            ? await GitAsync("rev-parse", "HEAD")
            : await GitAsync("rev-parse", (await GitAsync("log", "-1", "--format=%H", "--", Migrations)) + "^");
        var root = Path.Combine(RepoPaths.LocalDir, "hub-versions", commit);
        var built = Path.Combine(root, ".built");
        if (File.Exists(built))
        {
            return new HubBuild(root, commit);
        }

        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }

        Directory.CreateDirectory(root);
        await RunAsync("bash", ["-c", "git -C \"$1\" archive --format=tar \"$2\" .editorconfig Directory.Build.props Directory.Packages.props hub proto | tar -x -C \"$3\"",
            "archive", RepoPaths.Root, commit, root]);
        await RunAsync("dotnet", ["build", Path.Combine(root, "hub", "Coworking.Hub"), "-c", ChildProcess.BuildConfiguration, "-v", "quiet", "-clp:ErrorsOnly"]);
        await File.WriteAllTextAsync(built, commit);
        return new HubBuild(root, commit);
    }

    private static Task<string> GitAsync(params string[] args) => RunAsync("git", ["-C", RepoPaths.Root, .. args]);

    private static async Task<string> RunAsync(string program, IReadOnlyList<string> args)
    {
        var psi = new ProcessStartInfo(program) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {program}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} exited {process.ExitCode}:\n{await stdout}\n{await stderr}");
        }

        return (await stdout).Trim();
    }
}
