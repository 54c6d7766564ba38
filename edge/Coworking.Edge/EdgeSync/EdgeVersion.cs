using System.Reflection;

namespace Coworking.Edge.EdgeSync;

/// <summary>The edge's software version, as the hub and the status page show it.</summary>
public static class EdgeVersion
{
    public static string Current { get; } =
        typeof(EdgeVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
}
