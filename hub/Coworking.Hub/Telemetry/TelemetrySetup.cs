using System.Net;
using Npgsql;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Coworking.Hub.Telemetry;

/// <summary>
/// Metrics and traces (OpenTelemetry). <c>Telemetry:Metrics:Enabled</c> serves <c>/metrics</c> in the Prometheus text
/// format, only to clients in <c>Telemetry:Metrics:AllowedNetworks</c> (CIDRs; loopback when unset; the client address
/// is the one X-Forwarded-For names when a proxy on the box passes it) — anyone else gets 404, as if there were none.
/// <c>Telemetry:Otlp:Endpoint</c> (or the standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>) also exports metrics and traces
/// (HTTP requests, and the PostgreSQL commands under them) by OTLP. Off by default: nothing is exposed or sent.
/// </summary>
internal static class TelemetrySetup
{
    public const string MetricsPath = "/metrics";

    public static IServiceCollection AddHubTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<HubMetrics>();
        services.AddSingleton<MetricsSampler>();
        var metricsOn = configuration.GetValue("Telemetry:Metrics:Enabled", false);
        var otlp = configuration["Telemetry:Otlp:Endpoint"] ?? configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];
        if (!metricsOn && string.IsNullOrEmpty(otlp))
        {
            return services;
        }

        services.AddHostedService(provider => provider.GetRequiredService<MetricsSampler>());
        var telemetry = services.AddOpenTelemetry().ConfigureResource(resource => resource.AddService("coworking-hub"));
        telemetry.WithMetrics(metrics =>
        {
            metrics.AddMeter(HubMetrics.MeterName).AddAspNetCoreInstrumentation().AddRuntimeInstrumentation();
            if (metricsOn)
            {
                metrics.AddPrometheusExporter();
            }

            if (!string.IsNullOrEmpty(otlp))
            {
                metrics.AddOtlpExporter(exporter => exporter.Endpoint = new Uri(otlp));
            }
        });
        if (!string.IsNullOrEmpty(otlp))
        {
            telemetry.WithTracing(tracing => tracing.AddAspNetCoreInstrumentation().AddNpgsql().AddOtlpExporter(exporter => exporter.Endpoint = new Uri(otlp)));
        }

        return services;
    }

    /// <summary>Serves <see cref="MetricsPath"/> to the allowed networks when metrics are on; call after the forwarded headers are read.</summary>
    public static WebApplication UseHubMetricsEndpoint(this WebApplication app)
    {
        if (!app.Configuration.GetValue("Telemetry:Metrics:Enabled", false))
        {
            return app;
        }

        var allowed = AllowedNetworks(app.Configuration);
        app.UseOpenTelemetryPrometheusScrapingEndpoint(context =>
            context.Request.Path == MetricsPath && context.Connection.RemoteIpAddress is { } client && allowed.Any(network => network.Contains(Unmapped(client))));
        return app;
    }

    /// <summary>The networks <c>Telemetry:Metrics:AllowedNetworks</c> names (loopback when none); a value that is no CIDR stops the hub with its name.</summary>
    internal static IReadOnlyList<IPNetwork> AllowedNetworks(IConfiguration configuration)
    {
        var given = configuration.GetSection("Telemetry:Metrics:AllowedNetworks").Get<string[]>() ?? [];
        if (given.Length == 0)
        {
            return [IPNetwork.Parse("127.0.0.0/8"), IPNetwork.Parse("::1/128")];
        }

        return [.. given.Select(text => IPNetwork.TryParse(text, out var network)
            ? network
            : throw new InvalidOperationException($"Telemetry:Metrics:AllowedNetworks: '{text}' is not a network in CIDR notation, e.g. 10.0.0.0/8"))];
    }

    private static IPAddress Unmapped(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
