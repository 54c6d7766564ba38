using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Coworking.Hub.Auth;
using Coworking.Hub.Database;
using Dapper;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Npgsql;

namespace Coworking.Hub.Http;

/// <summary>
/// <c>Idempotency-Key</c> on a POST that creates money or credentials: the first 2xx answer to a key is kept for
/// <see cref="Kept"/>, scoped to the caller's organisation and actor, and a retry of the same request with the same key
/// gets that answer again (same booking, same PIN) instead of a second booking or charge. The same key with another
/// request is 422 naming the header; a retry while the first is still being carried out is 409. Kept answers are
/// encrypted with the hub's Data Protection key ring (they may hold a PIN). An answer that is not 2xx is not kept, so a
/// refused request may be retried with the same key once the cause is fixed.
/// </summary>
internal sealed class Idempotency(TenantDataSource db, TimeProvider time, IDataProtectionProvider protection, IOptions<JsonOptions> json) : IEndpointFilter
{
    public const string Header = "Idempotency-Key";

    public const int MaxKeyLength = 255;

    /// <summary>How long an answer is replayed; after that the key is new again.</summary>
    public static readonly TimeSpan Kept = TimeSpan.FromHours(24);

    private readonly IDataProtector protector = protection.CreateProtector("Coworking.Hub.Http.Idempotency.v1");

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (!http.Request.Headers.TryGetValue(Header, out var values) || http.Features.Get<Caller>() is not { } caller)
        {
            return await next(context);
        }

        if (values is not [{ Length: > 0 and <= MaxKeyLength } key] || key.Any(c => c is < '!' or > '~'))
        {
            var errors = new ValidationErrors();
            errors.Add(Header, $"must be one value of 1 to {MaxKeyLength} visible ASCII characters");
            return errors.ToProblem();
        }

        var row = new { organisationId = caller.OrganisationId, actor = $"{caller.Actor.Kind}:{caller.Actor.Id}", key };
        var hash = Fingerprint(context);
        await using (var conn = await db.OpenConnectionAsync(http.RequestAborted))
        {
            var now = time.GetUtcNow();
            await conn.ExecuteAsync(new CommandDefinition(
                "DELETE FROM idempotency_keys WHERE organisation_id = @organisationId AND actor = @actor AND key = @key AND created_at <= @expired",
                new { row.organisationId, row.actor, row.key, expired = now - Kept },
                cancellationToken: http.RequestAborted));
            var claimed = await conn.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO idempotency_keys (organisation_id, actor, key, request_hash, created_at) VALUES (@organisationId, @actor, @key, @hash, @now)
                ON CONFLICT DO NOTHING
                """,
                new { row.organisationId, row.actor, row.key, hash, now },
                cancellationToken: http.RequestAborted));
            if (claimed == 0)
            {
                var kept = await conn.QuerySingleOrDefaultAsync<KeptAnswer>(new CommandDefinition(
                    """
                    SELECT request_hash AS RequestHash, status_code AS StatusCode, location AS Location, response AS Response
                    FROM idempotency_keys WHERE organisation_id = @organisationId AND actor = @actor AND key = @key
                    """,
                    row,
                    cancellationToken: http.RequestAborted));
                if (kept is not null && !kept.RequestHash.AsSpan().SequenceEqual(hash))
                {
                    return Problems.Unprocessable(Header, "was used in the last 24 hours for a different request; send a new key for a new request");
                }

                return kept is { StatusCode: { } status, Response: { } response }
                    ? new IdempotentReplay(status, kept.Location, protector.Unprotect(response))
                    : Problems.Conflict(Header, "names a request that is still being carried out; retry it in a moment");
            }
        }

        object? result;
        try
        {
            result = await next(context);
        }
        catch
        {
            await ForgetAsync(row);
            throw;
        }

        if (Unwrap(result) is IStatusCodeHttpResult { StatusCode: >= 200 and < 300 and var answeredStatus } answered)
        {
            var body = answered is IValueHttpResult { Value: { } value } ? JsonSerializer.SerializeToUtf8Bytes(value, value.GetType(), json.Value.SerializerOptions) : [];

            // Created<T> names its Location by a property of its own: there is no interface for it.
            var location = answered.GetType().GetProperty(nameof(Created.Location))?.GetValue(answered) as string;
            await using var conn = await db.OpenConnectionAsync(CancellationToken.None);
            await conn.ExecuteAsync(
                """
                UPDATE idempotency_keys SET status_code = @answeredStatus, location = @location, response = @response
                WHERE organisation_id = @organisationId AND actor = @actor AND key = @key
                """,
                new { row.organisationId, row.actor, row.key, answeredStatus, location, response = protector.Protect(body) });
        }
        else
        {
            await ForgetAsync(row);
        }

        return result;
    }

    /// <summary>What makes two requests the same: the method, the path (with its ids) and the request body as bound.</summary>
    private byte[] Fingerprint(EndpointFilterInvocationContext context)
    {
        var text = new StringBuilder().Append(context.HttpContext.Request.Method).Append(' ').Append(context.HttpContext.Request.Path.Value);
        foreach (var argument in context.Arguments)
        {
            if (argument is not null && argument.GetType().Assembly == typeof(Idempotency).Assembly && argument.GetType().Name.EndsWith("Request", StringComparison.Ordinal))
            {
                text.Append('\n').Append(JsonSerializer.Serialize(argument, argument.GetType(), json.Value.SerializerOptions));
            }
        }

        return SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString()));
    }

    private async Task ForgetAsync(object row)
    {
        await using var conn = await db.OpenConnectionAsync(CancellationToken.None);
        await conn.ExecuteAsync(
            "DELETE FROM idempotency_keys WHERE organisation_id = @organisationId AND actor = @actor AND key = @key AND status_code IS NULL", row);
    }

    private static object? Unwrap(object? result)
    {
        while (result is INestedHttpResult nested)
        {
            result = nested.Result;
        }

        return result;
    }

    private sealed class KeptAnswer
    {
        public required byte[] RequestHash { get; init; }

        public int? StatusCode { get; init; }

        public string? Location { get; init; }

        public byte[]? Response { get; init; }
    }
}

/// <summary>Puts <see cref="Idempotency"/> on the POSTs that create money or credentials.</summary>
internal static class IdempotencySetup
{
    /// <summary>Puts the filter on a route, and the optional header in its OpenAPI operation.</summary>
    public static RouteHandlerBuilder WithIdempotency(this RouteHandlerBuilder route) => route
        .AddEndpointFilter<Idempotency>()
        .AddOpenApiOperationTransformer((operation, _, _) =>
        {
            operation.Parameters ??= [];
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = Idempotency.Header,
                In = ParameterLocation.Header,
                Required = false,
                Description = "A key of the client's choosing (1 to 255 visible ASCII characters): a retry with the same key and the same request within 24 hours " +
                    "gets the first answer again instead of doing the request twice; the same key with another request is 422.",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = Idempotency.MaxKeyLength },
            });
            return Task.CompletedTask;
        });
}

/// <summary>The kept answer to a key, as first sent: status, <c>Location</c> and body; marked <c>Idempotent-Replayed: true</c>.</summary>
internal sealed class IdempotentReplay(int status, string? location, byte[] body) : IResult
{
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = status;
        response.Headers["Idempotent-Replayed"] = "true";
        if (location is not null)
        {
            response.Headers.Location = location;
        }

        if (body.Length > 0)
        {
            response.ContentType = "application/json; charset=utf-8";
            await response.Body.WriteAsync(body, httpContext.RequestAborted);
        }
    }
}
