using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Coworking.Sim.Stripe.Webhooks;
using Coworking.Sim.Stripe.Wire;

namespace Coworking.Sim.Stripe;

/// <summary>
/// Runs a Stripe API request the way api.stripe.com does around the handler: the secret key checked (401 otherwise),
/// form parameters parsed, the Idempotency-Key honoured (the same key and parameters replay the saved answer, other
/// parameters or another endpoint are an idempotency_error; keys live 24 hours), Request-Id and Stripe-Version
/// headers, errors as {"error": {...}}. The handler runs under the store's lock; its events go out afterwards.
/// </summary>
internal sealed class StripeGateway(StripeStore store, StripeOptions options, WebhookDispatcher webhooks, TimeProvider time, ILogger<StripeGateway> logger)
{
    private const int MaxBodyLength = 256 * 1024;
    private const int MaxIdempotencyKeyLength = 255;
    private static readonly TimeSpan IdempotencyKeyLifetime = TimeSpan.FromHours(24);

    public async Task<IResult> RunAsync(HttpContext http, Func<StripeCall, StripeResult> handler)
    {
        var request = http.Request;
        var requestId = Ids.New("req", 14);
        http.Response.Headers["Request-Id"] = requestId;
        http.Response.Headers["Stripe-Version"] = request.Headers["Stripe-Version"].FirstOrDefault() ?? options.ApiVersion;
        var endpoint = $"{request.Method} {request.Path}";

        if (Refusal(request) is { } refusal)
        {
            return Answer(endpoint, new StripeResult(401, ErrorBody(refusal, requestId)));
        }

        FormNode form;
        try
        {
            form = await ReadParametersAsync(request, http.RequestAborted);
        }
        catch (StripeApiException e)
        {
            return Answer(endpoint, new StripeResult(e.Status, ErrorBody(e, requestId)));
        }

        var key = HttpMethods.IsPost(request.Method) ? request.Headers["Idempotency-Key"].FirstOrDefault() : null;
        var parameters = form.Canonical();
        StripeResult result;
        StripeCall call;
        lock (store.Gate)
        {
            var now = time.GetUtcNow();
            if (key is not null)
            {
                if (IdempotencyProblem(key, endpoint, parameters, now) is { } problem)
                {
                    return Answer(endpoint, new StripeResult(problem.Status, ErrorBody(problem, requestId)));
                }

                if (store.Idempotency.TryGetValue(key, out var saved))
                {
                    http.Response.Headers["Request-Id"] = saved.RequestId;
                    http.Response.Headers["Idempotent-Replayed"] = "true";
                    logger.LogInformation("Stripe {Endpoint} → {Status} replayed for its idempotency key", endpoint, saved.Status);
                    return Results.Text(saved.Body, "application/json", Encoding.UTF8, saved.Status);
                }
            }

            call = new StripeCall(
                store, options, webhooks, now, BaseUrl(request), requestId, key, new StripeParams(form), http.GetRouteValue("id") as string);
            try
            {
                result = handler(call);
            }
            catch (StripeApiException e)
            {
                result = new StripeResult(e.Status, ErrorBody(e, requestId));
            }

            if (result.Status >= 400 && result.Body["error"] is JsonObject error)
            {
                error["request_log_url"] = $"https://dashboard.stripe.com/test/logs/{requestId}";
            }

            if (!HttpMethods.IsGet(request.Method))
            {
                store.Save();
            }

            if (key is not null && result.Status is 200 or 402)
            {
                store.Idempotency[key] = new IdempotentResponse(endpoint, parameters, result.Status, result.Body.ToJsonString(StripeContext.WireJson), requestId, now.ToUnixTimeSeconds());
            }
        }

        webhooks.Publish(call.Emitted);
        return Answer(endpoint, result);
    }

    /// <summary>A control action on the Stripe state (the customer's part of Checkout, 3-D Secure, firing an event): locked, saved, its events sent.</summary>
    public T Run<T>(HttpRequest request, Func<StripeContext, T> work)
    {
        T result;
        StripeContext context;
        lock (store.Gate)
        {
            context = new StripeContext(store, options, webhooks, time.GetUtcNow(), BaseUrl(request), null, null);
            result = work(context);
            store.Save();
        }

        webhooks.Publish(context.Emitted);
        return result;
    }

    /// <summary>Unknown /v1 paths, as Stripe answers them.</summary>
    public IResult Unrecognized(HttpContext http)
    {
        var requestId = Ids.New("req", 14);
        http.Response.Headers["Request-Id"] = requestId;
        var error = StripeApiException.InvalidRequest(
            $"Unrecognized request URL ({http.Request.Method}: {http.Request.Path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.");
        return Answer($"{http.Request.Method} {http.Request.Path}", new StripeResult(404, ErrorBody(error, requestId)));
    }

    public string BaseUrl(HttpRequest request) => (options.PublicUrl ?? $"{request.Scheme}://{request.Host}").TrimEnd('/');

    private static JsonObject ErrorBody(StripeApiException e, string requestId)
    {
        var error = e.ToError();
        error["request_log_url"] = $"https://dashboard.stripe.com/test/logs/{requestId}";
        return new JsonObject { ["error"] = error };
    }

    private static async Task<FormNode> ReadParametersAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (!HttpMethods.IsPost(request.Method))
        {
            return FormParams.Parse(request.QueryString.HasValue ? request.QueryString.Value![1..] : string.Empty);
        }

        if (request.ContentType is { } contentType && !contentType.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
        {
            throw StripeApiException.InvalidRequest($"Invalid request: the body must be application/x-www-form-urlencoded (bracket notation for hashes and lists), not {contentType}.");
        }

        using var reader = new StreamReader(request.Body, Encoding.UTF8, leaveOpen: true);
        var buffer = new char[MaxBodyLength + 1];
        var length = await reader.ReadBlockAsync(buffer.AsMemory(), cancellationToken);
        if (length > MaxBodyLength)
        {
            throw StripeApiException.InvalidRequest($"Invalid request: the body is limited to {MaxBodyLength} characters.");
        }

        return FormParams.Parse(new string(buffer, 0, length));
    }

    private IResult Answer(string endpoint, StripeResult result)
    {
        if (result.Status >= 400)
        {
            var error = result.Body["error"];
            logger.LogInformation("Stripe {Endpoint} → {Status} {ErrorType} {Code}", endpoint, result.Status, (string?)error?["type"], (string?)error?["code"]);
        }
        else
        {
            logger.LogInformation("Stripe {Endpoint} → {Status} {Id}", endpoint, result.Status, (string?)result.Body["id"]);
        }

        return Results.Text(result.Body.ToJsonString(StripeContext.WireJson), "application/json", Encoding.UTF8, result.Status);
    }

    private StripeApiException? Refusal(HttpRequest request)
    {
        var given = ApiKey(request.Headers.Authorization.FirstOrDefault());
        if (given is null)
        {
            return new StripeApiException(401, "invalid_request_error",
                "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.",
                null, null);
        }

        var matches = CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(options.SecretKey));
        return matches ? null : new StripeApiException(401, "invalid_request_error", $"Invalid API Key provided: {Masked(given)}", "api_key_invalid", null);
    }

    /// <summary>The key of "Bearer sk_…" or of HTTP Basic with the key as user name (curl -u sk_…:).</summary>
    private static string? ApiKey(string? authorization)
    {
        if (authorization is null || !AuthenticationHeaderValue.TryParse(authorization, out var header) || string.IsNullOrEmpty(header.Parameter))
        {
            return null;
        }

        if (header.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
        {
            return header.Parameter;
        }

        if (header.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                var user = Encoding.UTF8.GetString(Convert.FromBase64String(header.Parameter));
                var colon = user.IndexOf(':', StringComparison.Ordinal);
                return colon < 0 ? user : user[..colon];
            }
            catch (FormatException)
            {
                return null;
            }
        }

        return null;
    }

    /// <summary>As Stripe shows a wrong key: its prefix, stars, and the last four characters.</summary>
    private static string Masked(string key)
    {
        var prefix = key.StartsWith("sk_test_", StringComparison.Ordinal) ? "sk_test_" : key.StartsWith("sk_live_", StringComparison.Ordinal) ? "sk_live_" : string.Empty;
        return key.Length <= prefix.Length + 4 ? prefix + "****" : prefix + new string('*', key.Length - prefix.Length - 4) + key[^4..];
    }

    private StripeApiException? IdempotencyProblem(string key, string endpoint, string parameters, DateTimeOffset now)
    {
        if (key.Length is 0 or > MaxIdempotencyKeyLength)
        {
            return StripeApiException.InvalidRequest($"Idempotency-Key must be 1-{MaxIdempotencyKeyLength} characters.", "Idempotency-Key");
        }

        var oldest = (now - IdempotencyKeyLifetime).ToUnixTimeSeconds();
        foreach (var expired in store.Idempotency.Where(i => i.Value.Created < oldest).Select(i => i.Key).ToList())
        {
            store.Idempotency.Remove(expired);
        }

        if (!store.Idempotency.TryGetValue(key, out var saved))
        {
            return null;
        }

        if (saved.Endpoint != endpoint)
        {
            return StripeApiException.Idempotency(
                $"Keys for idempotent requests can only be used for the same endpoint they were first used for ('{saved.Endpoint}' vs '{endpoint}'). Try using a key other than '{key}' if you meant to execute a different request.");
        }

        return saved.Parameters != parameters
            ? StripeApiException.Idempotency(
                $"Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '{key}' if you meant to execute a different request.")
            : null;
    }
}
