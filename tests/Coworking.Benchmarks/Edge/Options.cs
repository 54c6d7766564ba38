using System.Globalization;

namespace Coworking.Benchmarks.Edge;

internal static class Options
{
    public static string? Text(string[] args, string name)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
    }

    public static int Int(string[] args, string name, int fallback)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
    }
}

/// <summary>A directory for a benchmark's files, on the same disk as the repository's .local.</summary>
internal sealed class ScratchDirectory : IDisposable
{
    /// <param name="under">Another file system to measure on (e.g. /dev/shm, where a sync costs nothing).</param>
    public ScratchDirectory(string? under = null)
    {
        Path = System.IO.Path.Combine(under ?? System.IO.Path.Combine(Coworking.Testing.RepoPaths.LocalDir, "bench"), Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
