using System.Text.Json.Nodes;
using Coworking.Sim.Stripe.Objects;
using Coworking.Sim.Stripe.Wire;

namespace Coworking.Sim.Stripe.Api;

/// <summary>/v1/refunds (full or partial, of a PaymentIntent's charge or a charge) and /v1/charges (read only).</summary>
internal static class RefundsApi
{
    public static StripeResult Create(StripeCall call)
    {
        var p = call.Params;
        var paymentIntentId = p.NonEmpty("payment_intent");
        var chargeId = p.NonEmpty("charge");
        var amount = p.Long("amount");
        var reason = p.NonEmpty("reason");
        var metadata = p.Metadata();
        _ = call.Expand;
        p.RejectUnknown();
        if (paymentIntentId is null && chargeId is null)
        {
            throw StripeApiException.InvalidRequest("One of the following params should be provided for this request: payment_intent or charge.", "payment_intent", "parameter_missing");
        }

        if (reason is not null and not ("duplicate" or "fraudulent" or "requested_by_customer"))
        {
            throw StripeApiException.InvalidRequest("Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer", "reason");
        }

        Charge charge;
        if (chargeId is not null)
        {
            charge = call.Store.Charges.TryGetValue(chargeId, out var found) ? found : throw StripeApiException.NoSuch("charge", chargeId, "charge");
            if (paymentIntentId is not null && charge.PaymentIntent != paymentIntentId)
            {
                throw StripeApiException.InvalidRequest($"The charge {chargeId} does not belong to the PaymentIntent {paymentIntentId}.", "charge");
            }
        }
        else
        {
            var intent = PaymentIntentsApi.Find(call, paymentIntentId!, "payment_intent");
            if (intent.Status != "succeeded" || intent.LatestCharge is null)
            {
                throw StripeApiException.InvalidRequest($"This PaymentIntent ({intent.Id}) does not have a successful charge to refund.", "payment_intent", "charge_not_refundable");
            }

            charge = call.Store.Charges[intent.LatestCharge];
        }

        if (charge.Status != "succeeded")
        {
            throw StripeApiException.InvalidRequest($"Charge {charge.Id} has not succeeded and cannot be refunded.", "charge", "charge_not_refundable");
        }

        var refundable = charge.Amount - charge.AmountRefunded;
        if (refundable == 0)
        {
            throw StripeApiException.InvalidRequest($"Charge {charge.Id} has already been refunded.", "charge", "charge_already_refunded");
        }

        var refundAmount = amount ?? refundable;
        if (refundAmount < 1)
        {
            throw StripeApiException.InvalidRequest("Refund amount must be positive.", "amount", "amount_too_small");
        }

        if (refundAmount > refundable)
        {
            throw StripeApiException.InvalidRequest($"Refund amount ({refundAmount} {charge.Currency}) is greater than unrefunded amount on charge ({refundable} {charge.Currency})", "amount", "amount_too_large");
        }

        var refund = new Refund
        {
            Id = Ids.New("re"),
            Created = call.Timestamp,
            Amount = refundAmount,
            Currency = charge.Currency,
            Charge = charge.Id,
            PaymentIntent = charge.PaymentIntent,
            Reason = reason,
            Metadata = metadata?.ApplyTo(new Dictionary<string, string>()) ?? new Dictionary<string, string>(),
        };
        call.Store.Refunds.Add(refund.Id, refund);
        var before = Render.Charge(call.Store, charge, Expand.None);
        var refunded = charge with { AmountRefunded = charge.AmountRefunded + refundAmount };
        call.Store.Charges[charge.Id] = refunded;
        call.Emit("refund.created", Render.Refund(call.Store, refund, Expand.None));
        var after = Render.Charge(call.Store, refunded, Expand.None);
        call.Emit("charge.refunded", after, StripeContext.Changes(before, after) ?? new JsonObject());
        return StripeCall.Ok(Render.Refund(call.Store, refund, call.Expand));
    }

    public static StripeResult Retrieve(StripeCall call)
    {
        var refund = call.Store.Refunds.TryGetValue(call.Id, out var found) ? found : throw StripeApiException.NoSuch("refund", call.Id);
        call.Params.RejectUnknown();
        return StripeCall.Ok(Render.Refund(call.Store, refund, call.Expand));
    }

    public static StripeResult List(StripeCall call)
    {
        var paymentIntent = call.Params.NonEmpty("payment_intent");
        var charge = call.Params.NonEmpty("charge");
        var refunds = call.Store.Refunds.Values.Where(r => (paymentIntent is null || r.PaymentIntent == paymentIntent) && (charge is null || r.Charge == charge));
        return StripeCall.Ok(Pages.List(call.Params, "/v1/refunds", refunds, r => r.Id, (r, e) => Render.Refund(call.Store, r, e), call.Expand));
    }

    public static StripeResult RetrieveCharge(StripeCall call)
    {
        var charge = call.Store.Charges.TryGetValue(call.Id, out var found) ? found : throw StripeApiException.NoSuch("charge", call.Id, "charge");
        call.Params.RejectUnknown();
        return StripeCall.Ok(Render.Charge(call.Store, charge, call.Expand));
    }

    public static StripeResult ListCharges(StripeCall call)
    {
        var customer = call.Params.NonEmpty("customer");
        var paymentIntent = call.Params.NonEmpty("payment_intent");
        var charges = call.Store.Charges.Values.Where(c => (customer is null || c.Customer == customer) && (paymentIntent is null || c.PaymentIntent == paymentIntent));
        return StripeCall.Ok(Pages.List(call.Params, "/v1/charges", charges, c => c.Id, (c, e) => Render.Charge(call.Store, c, e), call.Expand));
    }
}
