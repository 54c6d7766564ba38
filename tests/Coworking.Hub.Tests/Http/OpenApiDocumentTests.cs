using System.Text.Json.Nodes;
using Coworking.Hub.Tests.Support;

namespace Coworking.Hub.Tests.Http;

/// <summary>What a client generator reads from /openapi/v1.json: who may call each route, and the hub's own words on it.</summary>
public sealed class OpenApiDocumentTests(HubFixture hub) : IClassFixture<HubFixture>
{
    [Theory]
    [InlineData("post", "/auth/login")]
    [InlineData("post", "/api/v1/webhooks/stripe")]
    [InlineData("post", "/api/v1/webhooks/stripe/{organisationId}")]
    [InlineData("get", "/calendar/{token}.ics")]
    [InlineData("get", "/healthz")]
    [InlineData("get", "/readyz")]
    public async Task Anonymous_routes_need_no_security(string method, string path)
    {
        var document = await hub.Client(null).GetJsonAsync("/openapi/v1.json");

        var security = document["paths"]![path]![method]!["security"];

        Assert.NotNull(security);
        Assert.Empty(security!.AsArray());
    }

    [Theory]
    [InlineData("get", "/api/v1/members")]
    [InlineData("patch", "/api/v1/locations/{id}/doors/{doorId}")]
    [InlineData("get", "/auth/me")]
    public async Task Other_routes_take_an_api_key_or_the_session_cookie(string method, string path)
    {
        var document = await hub.Client(null).GetJsonAsync("/openapi/v1.json");

        var schemes = document["paths"]![path]![method]!["security"]!.AsArray().Select(r => Assert.Single(r!.AsObject()).Key).Order();

        Assert.Equal(["ApiKey", "Session"], schemes);
        Assert.Equal("bearer", document["components"]!["securitySchemes"]!["ApiKey"]!["scheme"]!.GetValue<string>());
        Assert.Equal("cw_session", document["components"]!["securitySchemes"]!["Session"]!["name"]!.GetValue<string>());
        Assert.Equal("cookie", document["components"]!["securitySchemes"]!["Session"]!["in"]!.GetValue<string>());
    }

    [Fact]
    public async Task Operations_and_bodies_carry_the_xml_documentation_and_text_fields_their_type()
    {
        var document = await hub.Client(null).GetJsonAsync("/openapi/v1.json");
        var schemas = document["components"]!["schemas"]!;

        Assert.Contains("basic fields", document["paths"]!["/api/v1/locations/{id}/doors/{doorId}"]!["patch"]!["summary"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("control", schemas["UpdateDoorRequest"]!["description"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("string", TypeOf(schemas["CreateLocationRequest"]!["properties"]!["name"]));
        Assert.Equal("string", TypeOf(schemas["OptionalOfstring"]));
        Assert.Equal("integer", TypeOf(schemas["OptionalOfint"]));
    }

    private static string? TypeOf(JsonNode? schema) => schema?["type"] switch
    {
        JsonArray types => types.Select(t => t!.GetValue<string>()).FirstOrDefault(t => t != "null"),
        JsonValue type => type.GetValue<string>(),
        _ => null,
    };
}
