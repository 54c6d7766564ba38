namespace Coworking.Testing;

/// <summary>Finds the checkout the tests run from, so fixtures can use its scripts and built programs.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string LocalDir => Path.Combine(Root, ".local");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Coworking.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"Coworking.sln not found above {AppContext.BaseDirectory}");
    }
}
