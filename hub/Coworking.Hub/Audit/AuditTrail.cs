using System.Text.Json;
using System.Text.Json.Nodes;
using Coworking.Hub.Auth;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace Coworking.Hub.Audit;

/// <summary>
/// Records each successful write (POST, PUT, PATCH, DELETE answered 2xx) of an API key, an operator or a member on
/// the routes it filters: the actor, the route as action, the object (the row the route writes, or what it created),
/// the fields the request set (secrets redacted), the object's columns that changed before and after
/// (<see cref="AuditSnapshots"/>) and the client address. It runs after the handler, so
/// the row is written after the change commits: a hub that dies in between loses the audit row, not the change.
/// </summary>
internal sealed class AuditTrail(AuditStore store, AuditSnapshots snapshots, IOptions<JsonOptions> json) : IEndpointFilter
{
    public const string Redacted = "[redacted]";

    // Field names whose values never reach the audit trail, wherever they sit in a request.
    private static readonly HashSet<string> Secrets = new(StringComparer.OrdinalIgnoreCase)
    {
        "password", "currentPassword", "newPassword", "pin", "cardNumber", "facilityCode", "code", "recoveryCode", "secret", "token", "apiKey", "challenge",
        "secretKey", "webhookSecret", "publishableKey",
    };

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var method = http.Request.Method;
        if (HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) || http.Features.Get<Caller>() is not { } caller)
        {
            return await next(context);
        }

        var pattern = (http.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? http.Request.Path.Value ?? string.Empty;
        var withValues = http.GetEndpoint()?.Metadata.GetMetadata<AuditWithoutValues>() is null;
        var target = withValues ? AuditSnapshots.Target(pattern, http.Request.RouteValues, caller) : null;
        var before = target is null ? null : await snapshots.ReadAsync(target.Table, target.Id, http.RequestAborted);
        var result = await next(context);

        var answered = Unwrap(result);
        if (answered is Http.IdempotentReplay)
        {
            // A retry answered with the first answer changed nothing: the first request's row is the record.
            return result;
        }

        var status = (answered as IStatusCodeHttpResult)?.StatusCode ?? http.Response.StatusCode;
        if (status is < 200 or >= 300)
        {
            return result;
        }

        var changes = new JsonObject();
        foreach (var argument in context.Arguments)
        {
            // The request bodies are the hub's own records named …Request (not HttpRequest and other framework arguments).
            if (argument is not null && argument.GetType().Assembly == typeof(AuditTrail).Assembly && argument.GetType().Name.EndsWith("Request", StringComparison.Ordinal)
                && JsonSerializer.SerializeToNode(argument, argument.GetType(), json.Value.SerializerOptions) is JsonObject fields)
            {
                foreach (var (name, value) in fields)
                {
                    if (value is not null)
                    {
                        changes[name] = Redact(name, value);
                    }
                }
            }
        }

        var objectKind = ObjectKind(pattern);
        var objectId = http.Request.RouteValues.TryGetValue("id", out var id) && Guid.TryParse(id?.ToString(), out var routeId) ? routeId : (Guid?)null;
        var diff = AuditDiff.None;
        if (withValues && CreatedId(answered, json.Value.SerializerOptions) is { } createdId)
        {
            objectId = createdId;
            if (AuditSnapshots.Created(pattern) is var (kind, table))
            {
                objectKind = kind;
                diff = AuditSnapshots.Diff(null, await snapshots.ReadAsync(table, createdId, http.RequestAborted));
            }
        }
        else if (target is not null)
        {
            (objectKind, objectId) = (target.Kind, target.Id);
            diff = AuditSnapshots.Diff(before, await snapshots.ReadAsync(target.Table, target.Id, http.RequestAborted));
        }

        await store.RecordAsync(
            new NewAuditEvent(caller.OrganisationId, caller.Actor, $"{method} {pattern}", objectKind, objectId, changes, http.Connection.RemoteIpAddress?.ToString())
            {
                Before = diff.Before,
                After = diff.After,
            },
            http.RequestAborted);
        return result;
    }

    /// <summary>The first literal segment after /api/v1 ("members", "bookings", "me"): what kind of object the route writes.</summary>
    internal static string ObjectKind(string pattern)
    {
        var segments = pattern.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var start = segments is ["api", "v1", ..] ? 2 : 0;
        return segments.Skip(start).FirstOrDefault(s => !s.StartsWith('{')) ?? "unknown";
    }

    /// <summary>A copy of <paramref name="value"/> with every secret field, at any depth, replaced by <see cref="Redacted"/>.</summary>
    internal static JsonNode Redact(string name, JsonNode value)
    {
        if (Secrets.Contains(name))
        {
            return JsonValue.Create(Redacted);
        }

        switch (value)
        {
            case JsonObject obj:
                var copy = new JsonObject();
                foreach (var (key, inner) in obj)
                {
                    copy[key] = inner is null ? null : Redact(key, inner);
                }

                return copy;
            case JsonArray array:
                return new JsonArray([.. array.Select(item => item is null ? null : Redact(string.Empty, item))]);
            default:
                return value.DeepClone();
        }
    }

    private static object? Unwrap(object? result)
    {
        while (result is INestedHttpResult nested)
        {
            result = nested.Result;
        }

        return result;
    }

    /// <summary>The id of what a 201 answer created: its body's "id" (or, for a new API key, "key"."id").</summary>
    private static Guid? CreatedId(object? answered, JsonSerializerOptions options)
    {
        if (answered is not (IStatusCodeHttpResult { StatusCode: StatusCodes.Status201Created } and IValueHttpResult { Value: { } value })
            || JsonSerializer.SerializeToNode(value, value.GetType(), options) is not JsonObject body)
        {
            return null;
        }

        var id = body["id"] ?? (body["key"] as JsonObject)?["id"];
        return id is JsonValue text && text.TryGetValue<Guid>(out var created) ? created : null;
    }
}

/// <summary>Puts the <see cref="AuditTrail"/> on a group of routes.</summary>
internal static class AuditTrailSetup
{
    public static RouteGroupBuilder WithAuditTrail(this RouteGroupBuilder group)
    {
        group.AddEndpointFilter<AuditTrail>();
        return group;
    }
}

/// <summary>
/// Endpoint metadata: the audit row of this route names its actor, action and object but holds no before or after
/// values (an erasure: the values are what it removed).
/// </summary>
internal sealed class AuditWithoutValues
{
    public static AuditWithoutValues Instance { get; } = new();

    private AuditWithoutValues()
    {
    }
}
