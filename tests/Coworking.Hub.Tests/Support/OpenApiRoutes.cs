using System.Text.Json.Nodes;

namespace Coworking.Hub.Tests.Support;

/// <summary>A parameter of a route as the OpenAPI document describes it.</summary>
public sealed record RouteParameter(string Name, string In, string? Type, string? Format);

/// <summary>A body property as the OpenAPI document describes it.</summary>
public sealed record BodyProperty(string Name, string? Type, string? Format);

/// <summary>One operation of the hub's OpenAPI document: method, path template, parameters and the body's top-level properties.</summary>
public sealed record ApiRoute(string Method, string Path, IReadOnlyList<RouteParameter> Parameters, IReadOnlyList<BodyProperty>? Body, bool Anonymous)
{
    public override string ToString() => $"{Method} {Path}";

    public IEnumerable<RouteParameter> InPath => Parameters.Where(p => p.In == "path");

    public IEnumerable<RouteParameter> InQuery => Parameters.Where(p => p.In == "query");

    /// <summary>
    /// The kind of object a path parameter names: the route's first segment for "id" (/locations/{id} → locations), the
    /// parameter's name otherwise (areaId → areas).
    /// </summary>
    public string KindOf(RouteParameter parameter) =>
        parameter.Name == "id" ? Path.Split('/', StringSplitOptions.RemoveEmptyEntries)[2] : parameter.Name.Replace("Id", "s", StringComparison.Ordinal);

    /// <summary>A known id of the parameter's kind, or a random one.</summary>
    public Guid IdFor(RouteParameter parameter, IReadOnlyDictionary<string, Guid> known) =>
        known.TryGetValue(KindOf(parameter), out var id) ? id : Guid.NewGuid();

    /// <summary>The path with each path parameter replaced by what <paramref name="value"/> answers for it (already escaped).</summary>
    public string Fill(Func<RouteParameter, string> value) =>
        InPath.Aggregate(Path, (path, p) => path.Replace("{" + p.Name + "}", value(p), StringComparison.Ordinal));
}

/// <summary>
/// Every operation of /openapi/v1.json, so walks over the API (hostile input, tenancy and location scope) cover each new
/// route without being told about it.
/// </summary>
public static class OpenApiRoutes
{
    public static async Task<IReadOnlyList<ApiRoute>> ReadAsync(HttpClient client)
    {
        var document = await client.GetJsonAsync("/openapi/v1.json");
        var schemas = document["components"]?["schemas"]?.AsObject();
        var routes = new List<ApiRoute>();
        foreach (var (path, item) in document["paths"]!.AsObject())
        {
            foreach (var (method, operationNode) in item!.AsObject())
            {
                if (method is "parameters" or "summary" or "description")
                {
                    continue;
                }

                var operation = operationNode!.AsObject();
                var parameters = operation["parameters"]?.AsArray().Select(p => p!.AsObject()).Select(p => new RouteParameter(
                    p["name"]!.GetValue<string>(), p["in"]!.GetValue<string>(), TypeOf(p["schema"]), p["schema"]?["format"]?.GetValue<string>())).ToList() ?? [];
                var body = operation["requestBody"]?["content"]?["application/json"]?["schema"] is { } schema ? PropertiesOf(schema, schemas) : null;
                var anonymous = operation["security"] is JsonArray { Count: 0 };
                routes.Add(new ApiRoute(method.ToUpperInvariant(), path, parameters, body, anonymous));
            }
        }

        return routes;
    }

    private static List<BodyProperty> PropertiesOf(JsonNode schema, JsonObject? schemas)
    {
        var resolved = Resolve(schema, schemas);
        return resolved?["properties"]?.AsObject()
            .Select(p => new BodyProperty(p.Key, TypeOf(Resolve(p.Value, schemas)), Resolve(p.Value, schemas)?["format"]?.GetValue<string>()))
            .ToList() ?? [];
    }

    private static JsonNode? Resolve(JsonNode? schema, JsonObject? schemas)
    {
        for (var i = 0; i < 5 && schema?["$ref"] is { } reference; i++)
        {
            schema = schemas?[reference.GetValue<string>().Split('/')[^1]];
        }

        // A nullable reference is written as oneOf/anyOf [null, $ref].
        if ((schema?["oneOf"] ?? schema?["anyOf"]) is JsonArray options)
        {
            return options.Select(o => Resolve(o, schemas)).FirstOrDefault(o => TypeOf(o) is not (null or "null")) ?? schema;
        }

        return schema;
    }

    private static string? TypeOf(JsonNode? schema) => schema?["type"] switch
    {
        JsonArray types => types.Select(t => t!.GetValue<string>()).FirstOrDefault(t => t != "null"),
        JsonValue type => type.GetValue<string>(),
        _ => schema?["properties"] is not null ? "object" : null,
    };
}
