using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Coworking.Sim.Stripe.Objects;
using Coworking.Sim.Stripe.Webhooks;
using Coworking.Sim.Stripe.Wire;

namespace Coworking.Sim.Stripe;

/// <summary>
/// One unit of work on the Stripe state, run under the store's lock: an API request or a control action. It knows
/// the time, the request it stands for, and collects the events it emits; they are sent once the work is done.
/// </summary>
internal class StripeContext(StripeStore store, StripeOptions options, WebhookDispatcher webhooks, DateTimeOffset now, string baseUrl, string? requestId, string? idempotencyKey)
{
    /// <summary>How Stripe writes JSON: two-space indentation, characters unescaped where JSON allows it.</summary>
    public static readonly JsonSerializerOptions WireJson = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly List<StripeEvent> emitted = [];

    public StripeStore Store => store;

    public StripeOptions Options => options;

    public DateTimeOffset Now => now;

    public long Timestamp => now.ToUnixTimeSeconds();

    /// <summary>Where browsers reach the sim, without a trailing slash.</summary>
    public string BaseUrl => baseUrl;

    public string? RequestId => requestId;

    public IReadOnlyList<StripeEvent> Emitted => emitted;

    /// <summary>Records an event with a snapshot of the object as it is now; previous attributes for *.updated events.</summary>
    public StripeEvent Emit(string type, JsonObject dataObject, JsonObject? previousAttributes = null)
    {
        var data = new JsonObject { ["object"] = dataObject };
        if (previousAttributes is not null)
        {
            data["previous_attributes"] = previousAttributes;
        }

        var id = Ids.New("evt");
        var json = new JsonObject
        {
            ["id"] = id,
            ["object"] = "event",
            ["api_version"] = options.ApiVersion,
            ["created"] = Timestamp,
            ["data"] = data,
            ["livemode"] = false,
            ["pending_webhooks"] = webhooks.Subscribers(type),
            ["request"] = new JsonObject { ["id"] = requestId, ["idempotency_key"] = idempotencyKey },
            ["type"] = type,
        };
        var stripeEvent = new StripeEvent(id, type, Timestamp, json.ToJsonString(WireJson));
        store.AddEvent(stripeEvent);
        emitted.Add(stripeEvent);
        return stripeEvent;
    }

    /// <summary>The top-level fields of <paramref name="before"/> that differ in <paramref name="after"/>, with their old values.</summary>
    public static JsonObject? Changes(JsonObject before, JsonObject after)
    {
        var previous = new JsonObject();
        foreach (var (key, value) in before)
        {
            if (!JsonNode.DeepEquals(value, after[key]))
            {
                previous[key] = value?.DeepClone();
            }
        }

        return previous.Count > 0 ? previous : null;
    }
}

/// <summary>An API request: its parameters, its path id and the paths it asks to expand.</summary>
internal sealed class StripeCall(
    StripeStore store,
    StripeOptions options,
    WebhookDispatcher webhooks,
    DateTimeOffset now,
    string baseUrl,
    string requestId,
    string? idempotencyKey,
    StripeParams parameters,
    string? id)
    : StripeContext(store, options, webhooks, now, baseUrl, requestId, idempotencyKey)
{
    private Expand? expand;

    public StripeParams Params => parameters;

    /// <summary>The {id} of the path.</summary>
    public string Id => id ?? throw new InvalidOperationException("this route has no {id}");

    public Expand Expand => expand ??= new Expand(parameters.Expand());

    /// <summary>The answer for an object: 200 and its JSON.</summary>
    public static StripeResult Ok(JsonObject body) => new(200, body);
}

/// <summary>An HTTP status and a JSON body as Stripe would answer.</summary>
internal sealed record StripeResult(int Status, JsonObject Body);
