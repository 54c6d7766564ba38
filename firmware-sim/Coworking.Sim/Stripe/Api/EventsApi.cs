using System.Text.Json.Nodes;
using Coworking.Sim.Stripe.Objects;
using Coworking.Sim.Stripe.Wire;

namespace Coworking.Sim.Stripe.Api;

/// <summary>/v1/events: retrieve one, list newest first with type, types[] and created filters.</summary>
internal static class EventsApi
{
    public static StripeResult Retrieve(StripeCall call)
    {
        var stripeEvent = call.Store.Events.TryGetValue(call.Id, out var found) ? found : throw StripeApiException.NoSuch("event", call.Id);
        call.Params.RejectUnknown();
        return StripeCall.Ok(Parse(stripeEvent));
    }

    public static StripeResult List(StripeCall call)
    {
        var p = call.Params;
        var type = p.NonEmpty("type");
        var types = p.StringList("types");
        var created = Created(p);
        var events = call.Store.Events.Values.Where(e =>
            (type is null || Matches(type, e.Type)) && (types is null || types.Any(t => Matches(t, e.Type))) && created(e.Created));
        return StripeCall.Ok(Pages.List(p, "/v1/events", events, e => e.Id, (e, _) => Parse(e), call.Expand));
    }

    public static JsonObject Parse(StripeEvent stripeEvent) => JsonNode.Parse(stripeEvent.Json)!.AsObject();

    /// <summary>type=payment_intent.* matches every payment_intent event, as Stripe's wildcard does.</summary>
    private static bool Matches(string filter, string type) =>
        filter.EndsWith(".*", StringComparison.Ordinal) ? type.StartsWith(filter[..^1], StringComparison.Ordinal) : filter == type;

    /// <summary>created=unix, or created[gt|gte|lt|lte]=unix.</summary>
    private static Func<long, bool> Created(StripeParams p)
    {
        if (!p.Has("created"))
        {
            return _ => true;
        }

        if (p.Root.Children["created"].Value is not null)
        {
            var exact = p.Long("created");
            return c => c == exact;
        }

        var range = p.Hash("created")!;
        var gt = range.Long("gt");
        var gte = range.Long("gte");
        var lt = range.Long("lt");
        var lte = range.Long("lte");
        range.RejectUnknown("created");
        return c => (gt is null || c > gt) && (gte is null || c >= gte) && (lt is null || c < lt) && (lte is null || c <= lte);
    }
}
