using System.Net;
using Coworking.Hub.Telemetry;
using Coworking.Hub.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Coworking.Hub.Tests.Telemetry;

/// <summary>A hub with metrics on, as its operator would scrape it with Prometheus from the box.</summary>
public sealed class MetricsHubFixture : ClockedHubFixture
{
    protected override IReadOnlyList<string> MoreSettings => ["--Telemetry:Metrics:Enabled=true"];
}

/// <summary>/metrics answers what the hub does and what waits, in the Prometheus text format, and only to the allowed networks.</summary>
public sealed class MetricsTests(MetricsHubFixture hub) : IClassFixture<MetricsHubFixture>
{
    [Fact]
    public async Task Metrics_count_bookings_time_requests_by_route_and_show_the_mail_waiting()
    {
        var site = await Workspace.SiteAsync(hub.Admin);
        var member = await Workspace.MemberAsync(hub.Admin, site.LocationId, await Workspace.TierAsync(hub.Admin, Workspace.Terms()));
        var room = await Workspace.ResourceAsync(hub.Admin, site, "meeting_room");
        var start = hub.Time.GetUtcNow().AddHours(2);
        await hub.Admin.PostJsonAsync("/api/v1/bookings", new { memberId = member, resourceId = room, start, end = start.AddHours(1) });
        await hub.Services.GetRequiredService<MetricsSampler>().SampleAsync(CancellationToken.None);

        using var scrape = hub.Client(null);
        using var answer = await scrape.GetAsync(TelemetrySetup.MetricsPath);
        var text = await answer.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Contains("text/plain", answer.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        Assert.Matches("""coworking_bookings_created_total\{[^}]*by="staff"[^}]*\} [1-9]""", text);
        Assert.Matches("""http_server_request_duration_seconds_count\{[^}]*http_route="/api/v1/bookings"[^}]*\} [1-9]""", text);
        Assert.Matches("""coworking_mail_outbox_depth(\{[^}]*\})? [0-9]""", text);
        Assert.Contains("coworking_edges_connected", text, StringComparison.Ordinal);
        Assert.DoesNotContain(member.ToString(), text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_are_not_there_for_a_client_outside_the_allowed_networks()
    {
        using var outsider = hub.Client(null);
        outsider.DefaultRequestHeaders.Add("X-Forwarded-For", "203.0.113.9");

        using var answer = await outsider.GetAsync(TelemetrySetup.MetricsPath);

        Assert.Equal(HttpStatusCode.NotFound, answer.StatusCode);
    }
}
