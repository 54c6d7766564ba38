using System.Text.Json.Nodes;
using Coworking.Sim.Stripe.Objects;
using Coworking.Sim.Stripe.Wire;

namespace Coworking.Sim.Stripe.Api;

/// <summary>
/// /v1/payment_methods: retrieve, list, update metadata, attach to and detach from a customer. Cards come from a
/// completed Checkout Session or from Stripe's test tokens (pm_card_visa, pm_card_chargeCustomerFail, …), which make a
/// new PaymentMethod wherever a payment method id is accepted.
/// </summary>
internal static class PaymentMethodsApi
{
    public static StripeResult Retrieve(StripeCall call)
    {
        var pm = Find(call, call.Id);
        call.Params.RejectUnknown();
        return StripeCall.Ok(Render.PaymentMethod(call.Store, pm, call.Expand));
    }

    public static StripeResult List(StripeCall call)
    {
        var customer = call.Params.NonEmpty("customer");
        var type = call.Params.NonEmpty("type");
        if (customer is not null)
        {
            CustomersApi.Find(call, customer, "customer");
        }

        var methods = call.Store.PaymentMethods.Values.Where(m => (customer is null || m.Customer == customer) && type is null or "card");
        return StripeCall.Ok(Pages.List(call.Params, "/v1/payment_methods", methods, m => m.Id, (m, e) => Render.PaymentMethod(call.Store, m, e), call.Expand));
    }

    public static StripeResult Update(StripeCall call)
    {
        var pm = Find(call, call.Id);
        var metadata = call.Params.Metadata();
        _ = call.Expand;
        call.Params.RejectUnknown();
        var before = Render.PaymentMethod(call.Store, pm, Expand.None);
        var updated = pm with { Metadata = metadata?.ApplyTo(pm.Metadata) ?? pm.Metadata };
        call.Store.PaymentMethods[pm.Id] = updated;
        var after = Render.PaymentMethod(call.Store, updated, Expand.None);
        if (StripeContext.Changes(before, after) is { } previous)
        {
            call.Emit("payment_method.updated", after, previous);
        }

        return StripeCall.Ok(Render.PaymentMethod(call.Store, updated, call.Expand));
    }

    public static StripeResult AttachRequest(StripeCall call)
    {
        var customerId = call.Params.Required("customer");
        _ = call.Expand;
        call.Params.RejectUnknown();
        var pm = Resolve(call, call.Id, "id");
        var customer = CustomersApi.Find(call, customerId, "customer");
        if (pm.Customer is not null && pm.Customer != customer.Id)
        {
            throw StripeApiException.InvalidRequest("The payment method you provided has already been attached to a customer.", "payment_method", "payment_method_unexpected_state");
        }

        if (pm.Customer == customer.Id)
        {
            return StripeCall.Ok(Render.PaymentMethod(call.Store, pm, call.Expand));
        }

        if (RefusalOnSave(call, pm) is { } refusal)
        {
            return refusal;
        }

        return StripeCall.Ok(Render.PaymentMethod(call.Store, Attach(call, pm, customer.Id, setUpForOffSession: false), call.Expand));
    }

    public static StripeResult Detach(StripeCall call)
    {
        var pm = Find(call, call.Id);
        _ = call.Expand;
        call.Params.RejectUnknown();
        if (pm.Customer is not { } customerId)
        {
            throw StripeApiException.InvalidRequest($"The payment method {pm.Id} is not attached to a customer so detachment is impossible.", "payment_method", "payment_method_unexpected_state");
        }

        var detached = pm with { Customer = null };
        call.Store.PaymentMethods[pm.Id] = detached;
        call.Emit("payment_method.detached", Render.PaymentMethod(call.Store, detached, Expand.None), new JsonObject { ["customer"] = customerId });
        if (call.Store.Customers.TryGetValue(customerId, out var customer) && customer.DefaultPaymentMethod == pm.Id)
        {
            CustomersApi.Save(call, customer with { DefaultPaymentMethod = null }, Render.Customer(call.Store, customer, Expand.None));
        }

        return StripeCall.Ok(Render.PaymentMethod(call.Store, detached, call.Expand));
    }

    public static PaymentMethod Find(StripeContext context, string id, string param = "id") =>
        context.Store.PaymentMethods.TryGetValue(id, out var pm) ? pm : throw StripeApiException.NoSuch("PaymentMethod", id, param);

    /// <summary>A stored PaymentMethod, or a new one made from a test token (pm_card_visa …), as Stripe accepts them.</summary>
    public static PaymentMethod Resolve(StripeContext context, string id, string param)
    {
        if (context.Store.PaymentMethods.TryGetValue(id, out var pm))
        {
            return pm;
        }

        if (TestCards.ByToken(id) is not { } card)
        {
            throw StripeApiException.NoSuch("PaymentMethod", id, param);
        }

        return Create(context, card, context.Now.Month, context.Now.Year + 3, name: null, email: null);
    }

    public static PaymentMethod Create(StripeContext context, TestCard card, int expMonth, int expYear, string? name, string? email)
    {
        var pm = new PaymentMethod
        {
            Id = Ids.New("pm"),
            Created = context.Timestamp,
            Card = new CardDetails(card.Brand, card.Last4, expMonth, expYear, card.Fingerprint, card.Funding, card.Country, card.Rule, card.Decline),
            BillingName = name,
            BillingEmail = email,
        };
        context.Store.PaymentMethods.Add(pm.Id, pm);
        return pm;
    }

    /// <summary>The 402 a card that cannot be saved gets (the decline cards other than 4000000000000341), else null.</summary>
    public static StripeResult? RefusalOnSave(StripeContext context, PaymentMethod pm)
    {
        if (pm.Card.Rule != CardRule.Declines || pm.Card.Decline is null)
        {
            return null;
        }

        var error = Render.Error(context.Store, new CardError(pm.Card.Decline, null, pm.Id));
        return new StripeResult(402, new JsonObject { ["error"] = error });
    }

    public static PaymentMethod Attach(StripeContext context, PaymentMethod pm, string customerId, bool setUpForOffSession)
    {
        var attached = pm with { Customer = customerId, SetUpForOffSession = pm.SetUpForOffSession || setUpForOffSession };
        context.Store.PaymentMethods[pm.Id] = attached;
        context.Emit("payment_method.attached", Render.PaymentMethod(context.Store, attached, Expand.None));
        return attached;
    }
}
