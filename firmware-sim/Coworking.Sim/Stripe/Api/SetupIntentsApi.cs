using Coworking.Sim.Stripe.Objects;
using Coworking.Sim.Stripe.Wire;

namespace Coworking.Sim.Stripe.Api;

/// <summary>/v1/setup_intents: retrieve and list (they are made by Checkout Sessions in setup mode).</summary>
internal static class SetupIntentsApi
{
    public static StripeResult Retrieve(StripeCall call)
    {
        if (!call.Store.SetupIntents.TryGetValue(call.Id, out var setupIntent))
        {
            throw StripeApiException.NoSuch("setupintent", call.Id, "intent");
        }

        call.Params.NonEmpty("client_secret");
        call.Params.RejectUnknown();
        return StripeCall.Ok(Render.SetupIntent(call.Store, setupIntent, call.Expand));
    }

    public static StripeResult List(StripeCall call)
    {
        var customer = call.Params.NonEmpty("customer");
        var paymentMethod = call.Params.NonEmpty("payment_method");
        var intents = call.Store.SetupIntents.Values.Where(s => (customer is null || s.Customer == customer) && (paymentMethod is null || s.PaymentMethod == paymentMethod));
        return StripeCall.Ok(Pages.List(call.Params, "/v1/setup_intents", intents, s => s.Id, (s, e) => Render.SetupIntent(call.Store, s, e), call.Expand));
    }
}
