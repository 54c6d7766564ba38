using System.Net;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Coworking.Edge.Telemetry;

/// <summary>
/// Metrics on the status port. <c>Telemetry:Metrics:Enabled</c> serves <c>/metrics</c> in the Prometheus text format, only
/// to clients in <c>Telemetry:Metrics:AllowedNetworks</c> (CIDRs; loopback when unset) — anyone else gets 404, as if there
/// were none. Off by default, as on the hub: nothing is exposed and the box spends nothing on it until asked.
/// </summary>
public static class EdgeTelemetry
{
    public const string MetricsPath = "/metrics";

    public static IServiceCollection AddEdgeTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<EdgeMetrics>();
        if (!configuration.GetValue("Telemetry:Metrics:Enabled", false))
        {
            return services;
        }

        AllowedNetworks(configuration);
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("coworking-edge"))
            .WithMetrics(metrics => metrics.AddMeter(EdgeMetrics.MeterName).AddPrometheusExporter());
        return services;
    }

    /// <summary>Serves <see cref="MetricsPath"/> to the allowed networks when metrics are on.</summary>
    public static WebApplication UseEdgeMetricsEndpoint(this WebApplication app)
    {
        if (!app.Configuration.GetValue("Telemetry:Metrics:Enabled", false))
        {
            return app;
        }

        // The gauges read the running parts; making the instruments now means the first scrape already has them.
        app.Services.GetRequiredService<EdgeMetrics>();
        var allowed = AllowedNetworks(app.Configuration);
        app.UseOpenTelemetryPrometheusScrapingEndpoint(context =>
            context.Request.Path == MetricsPath && context.Connection.RemoteIpAddress is { } client && allowed.Any(network => network.Contains(Unmapped(client))));
        return app;
    }

    /// <summary>The networks <c>Telemetry:Metrics:AllowedNetworks</c> names (loopback when none); a value that is no CIDR stops the edge with its name.</summary>
    internal static IReadOnlyList<IPNetwork> AllowedNetworks(IConfiguration configuration)
    {
        var given = configuration.GetSection("Telemetry:Metrics:AllowedNetworks").Get<string[]>() ?? [];
        if (given.Length == 0)
        {
            return [IPNetwork.Parse("127.0.0.0/8"), IPNetwork.Parse("::1/128")];
        }

        return [.. given.Select(text => IPNetwork.TryParse(text, out var network)
            ? network
            : throw new InvalidDataException($"Telemetry:Metrics:AllowedNetworks: '{text}' is not a network in CIDR notation, e.g. 10.0.0.0/8."))];
    }

    private static IPAddress Unmapped(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
