using Coworking.Hub.Http;
using Coworking.Hub.Tests.Support;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Coworking.Hub.Tests.Http;

/// <summary>Secrets in paths (a calendar feed's token, a sign-in or reset link) never reach the request log.</summary>
public sealed class RequestLoggingTests(HubFixture hub) : IClassFixture<HubFixture>
{
    [Fact]
    public void Every_route_with_a_token_in_its_path_is_logged_by_its_pattern()
    {
        var tokenRoutes = hub.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.Parameters.Any(p => p.Name == "token"))
            .ToList();

        Assert.Contains(tokenRoutes, e => e.RoutePattern.RawText == "/calendar/{token}.ics");
        Assert.Contains(tokenRoutes, e => e.RoutePattern.RawText!.Contains("/auth/sign-in/", StringComparison.Ordinal));
        Assert.Contains(tokenRoutes, e => e.RoutePattern.RawText!.Contains("/auth/password-reset/", StringComparison.Ordinal));
        foreach (var endpoint in tokenRoutes)
        {
            var context = new DefaultHttpContext();
            context.SetEndpoint(endpoint);
            var logged = RequestLogging.Redacted(context, "/x/s3cr3t-token-value");
            Assert.DoesNotContain("s3cr3t", logged, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Other_paths_are_logged_as_they_are()
    {
        var members = hub.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .First(e => e.RoutePattern.RawText == "/api/v1/members/{id:guid}");
        var context = new DefaultHttpContext();
        context.SetEndpoint(members);

        Assert.Equal("/api/v1/members/5d3c", RequestLogging.Redacted(context, "/api/v1/members/5d3c"));
    }
}
