namespace Coworking.Edge.Configuration;

/// <summary>
/// Where the edge's settings come from, lowest first: appsettings.json next to the program (the defaults it
/// ships with), appsettings.{environment}.json, the installed configuration file (/etc/coworking-edge/edge.json,
/// or the file COWORKING_EDGE_CONFIG names), environment variables, the command line. Every verb reads the
/// same layers, so enroll, doctor and capture see what the service sees.
/// </summary>
public static class EdgeConfiguration
{
    public const string FileVariable = "COWORKING_EDGE_CONFIG";
    public const string DefaultFile = "/etc/coworking-edge/edge.json";

    /// <summary>The installed configuration file; it may not exist (a source tree, a test).</summary>
    public static string FilePath => Environment.GetEnvironmentVariable(FileVariable) is { Length: > 0 } path ? path : DefaultFile;

    /// <summary>Replaces <paramref name="configuration"/>'s sources with the edge's layers.</summary>
    public static void UseEdgeSources(IConfigurationBuilder configuration, string[] args, string environmentName)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        configuration.Sources.Clear();
        configuration
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddJsonFile($"appsettings.{environmentName}.json", optional: true)
            .AddJsonFile(Path.GetFullPath(FilePath), optional: true)
            .AddEnvironmentVariables()
            .AddCommandLine(args);
    }

    /// <summary>The settings for a command-line verb.</summary>
    public static IConfigurationRoot Build(string[] args)
    {
        var builder = new ConfigurationBuilder();
        UseEdgeSources(builder, args, Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT") ?? "Production");
        return builder.Build();
    }
}
