using System.Text.Json.Nodes;
using Coworking.Sim.Stripe.Objects;
using Coworking.Sim.Stripe.Wire;

namespace Coworking.Sim.Stripe.Api;

/// <summary>
/// /v1/payment_intents: create (optionally confirming at once, on or off session), retrieve, update, confirm, cancel,
/// list. Confirming charges the card by its test-card rule: a success makes a succeeded charge; a decline makes a
/// failed charge, puts the PaymentIntent back to requires_payment_method with last_payment_error, and answers HTTP 402
/// with the card error; a card that needs 3-D Secure is declined off session (authentication_required) and goes to
/// requires_action on session.
/// </summary>
internal static class PaymentIntentsApi
{
    private const long MaxAmount = 99_999_999;

    public static StripeResult Create(StripeCall call)
    {
        var p = call.Params;
        var amount = p.Long("amount") ?? throw StripeApiException.Missing("amount");
        var currency = p.Required("currency").ToLowerInvariant();
        var customerId = p.NonEmpty("customer");
        var paymentMethodId = p.NonEmpty("payment_method");
        var confirm = p.Bool("confirm") ?? false;
        var offSession = OffSession(p);
        var description = p.String("description");
        var metadata = p.Metadata();
        var receiptEmail = p.NonEmpty("receipt_email");
        var setupFutureUsage = p.NonEmpty("setup_future_usage");
        var statementDescriptor = p.NonEmpty("statement_descriptor");
        p.NonEmpty("statement_descriptor_suffix");
        var returnUrl = p.NonEmpty("return_url");
        var errorOnRequiresAction = p.Bool("error_on_requires_action") ?? false;
        var captureMethod = p.NonEmpty("capture_method");
        p.NonEmpty("confirmation_method");
        var methodTypes = p.StringList("payment_method_types");
        var automatic = p.Hash("automatic_payment_methods");
        automatic?.Bool("enabled");
        automatic?.NonEmpty("allow_redirects");
        automatic?.RejectUnknown("automatic_payment_methods");
        _ = call.Expand;
        p.RejectUnknown();

        if (amount is < 1 or > MaxAmount)
        {
            throw StripeApiException.InvalidRequest($"Amount must be between 1 and {MaxAmount} (in the currency's smallest unit).", "amount", amount < 1 ? "amount_too_small" : "amount_too_large");
        }

        if (currency.Length != 3 || !currency.All(char.IsAsciiLetterLower))
        {
            throw StripeApiException.InvalidRequest($"Invalid currency: {currency}. Stripe currencies are three-letter ISO codes in lowercase.", "currency");
        }

        if (offSession is not null && !confirm)
        {
            throw StripeApiException.InvalidRequest("You can only pass `off_session` when `confirm` is true.", "off_session");
        }

        if (returnUrl is not null && !confirm)
        {
            throw StripeApiException.InvalidRequest("You can only pass `return_url` when `confirm` is true.", "return_url");
        }

        if (setupFutureUsage is not null and not ("on_session" or "off_session"))
        {
            throw StripeApiException.InvalidRequest($"Invalid setup_future_usage: must be one of on_session or off_session.", "setup_future_usage");
        }

        if (captureMethod is not null and not ("automatic" or "automatic_async"))
        {
            throw StripeApiException.InvalidRequest("The sim supports capture_method automatic only.", "capture_method");
        }

        if (methodTypes is not null && methodTypes.Any(t => t != "card"))
        {
            throw StripeApiException.InvalidRequest("The sim supports payment_method_types card only.", "payment_method_types");
        }

        var customer = customerId is null ? null : CustomersApi.Find(call, customerId, "customer");
        if (customer is { Deleted: true })
        {
            throw StripeApiException.NoSuch("customer", customer.Id, "customer");
        }

        var pm = paymentMethodId is null ? null : PaymentMethodsApi.Resolve(call, paymentMethodId, "payment_method");
        CheckOwnership(pm, customer?.Id);
        var id = Ids.New("pi");
        var intent = new PaymentIntent
        {
            Id = id,
            Created = call.Timestamp,
            Amount = amount,
            Currency = currency,
            ClientSecret = Ids.ClientSecret(id),
            Customer = customer?.Id,
            PaymentMethod = pm?.Id,
            Status = pm is null ? "requires_payment_method" : "requires_confirmation",
            Description = string.IsNullOrEmpty(description) ? null : description,
            ReceiptEmail = receiptEmail,
            SetupFutureUsage = setupFutureUsage,
            StatementDescriptor = statementDescriptor,
            Metadata = metadata?.ApplyTo(new Dictionary<string, string>()) ?? new Dictionary<string, string>(),
        };
        call.Store.PaymentIntents.Add(intent.Id, intent);
        call.Emit("payment_intent.created", Render.PaymentIntent(call.Store, intent, Expand.None));
        return confirm ? Confirm(call, intent, offSession ?? false, returnUrl, errorOnRequiresAction) : StripeCall.Ok(Render.PaymentIntent(call.Store, intent, call.Expand));
    }

    public static StripeResult Retrieve(StripeCall call)
    {
        var intent = Find(call, call.Id);
        call.Params.NonEmpty("client_secret");
        call.Params.RejectUnknown();
        return StripeCall.Ok(Render.PaymentIntent(call.Store, intent, call.Expand));
    }

    public static StripeResult List(StripeCall call)
    {
        var customer = call.Params.NonEmpty("customer");
        var intents = call.Store.PaymentIntents.Values.Where(i => customer is null || i.Customer == customer);
        return StripeCall.Ok(Pages.List(call.Params, "/v1/payment_intents", intents, i => i.Id, (i, e) => Render.PaymentIntent(call.Store, i, e), call.Expand));
    }

    public static StripeResult Update(StripeCall call)
    {
        var p = call.Params;
        var intent = Find(call, call.Id);
        var amount = p.Long("amount");
        var paymentMethodId = p.NonEmpty("payment_method");
        var description = p.String("description");
        var receiptEmail = p.String("receipt_email");
        var metadata = p.Metadata();
        _ = call.Expand;
        p.RejectUnknown();
        if (intent.Status is "succeeded" or "canceled" && (amount is not null || paymentMethodId is not null))
        {
            throw StripeApiException.UnexpectedState($"You cannot update this PaymentIntent because it has a status of {intent.Status}.");
        }

        if (amount is < 1 or > MaxAmount)
        {
            throw StripeApiException.InvalidRequest($"Amount must be between 1 and {MaxAmount}.", "amount");
        }

        var pm = paymentMethodId is null ? null : PaymentMethodsApi.Resolve(call, paymentMethodId, "payment_method");
        CheckOwnership(pm, intent.Customer);
        var before = Render.PaymentIntent(call.Store, intent, Expand.None);
        var updated = intent with
        {
            Amount = amount ?? intent.Amount,
            PaymentMethod = pm?.Id ?? intent.PaymentMethod,
            Status = pm is not null && intent.Status == "requires_payment_method" ? "requires_confirmation" : intent.Status,
            Description = description is null ? intent.Description : description.Length == 0 ? null : description,
            ReceiptEmail = receiptEmail is null ? intent.ReceiptEmail : receiptEmail.Length == 0 ? null : receiptEmail,
            Metadata = metadata?.ApplyTo(intent.Metadata) ?? intent.Metadata,
        };
        call.Store.PaymentIntents[intent.Id] = updated;
        var after = Render.PaymentIntent(call.Store, updated, Expand.None);
        if (StripeContext.Changes(before, after) is { } previous)
        {
            call.Emit("payment_intent.updated", after, previous);
        }

        return StripeCall.Ok(Render.PaymentIntent(call.Store, updated, call.Expand));
    }

    public static StripeResult ConfirmRequest(StripeCall call)
    {
        var p = call.Params;
        var intent = Find(call, call.Id);
        var paymentMethodId = p.NonEmpty("payment_method");
        var offSession = OffSession(p);
        var returnUrl = p.NonEmpty("return_url");
        var errorOnRequiresAction = p.Bool("error_on_requires_action") ?? false;
        p.NonEmpty("client_secret");
        _ = call.Expand;
        p.RejectUnknown();
        if (intent.Status is not ("requires_payment_method" or "requires_confirmation"))
        {
            throw StripeApiException.UnexpectedState(
                $"You cannot confirm this PaymentIntent because it has a status of {intent.Status}. Only a PaymentIntent with one of the following statuses may be confirmed: requires_confirmation, requires_payment_method.");
        }

        if (paymentMethodId is not null)
        {
            var pm = PaymentMethodsApi.Resolve(call, paymentMethodId, "payment_method");
            CheckOwnership(pm, intent.Customer);
            intent = intent with { PaymentMethod = pm.Id };
            call.Store.PaymentIntents[intent.Id] = intent;
        }

        return Confirm(call, intent, offSession ?? false, returnUrl, errorOnRequiresAction);
    }

    public static StripeResult Cancel(StripeCall call)
    {
        var intent = Find(call, call.Id);
        var reason = call.Params.NonEmpty("cancellation_reason");
        _ = call.Expand;
        call.Params.RejectUnknown();
        if (reason is not null and not ("duplicate" or "fraudulent" or "requested_by_customer" or "abandoned"))
        {
            throw StripeApiException.InvalidRequest("Invalid cancellation_reason: must be one of duplicate, fraudulent, requested_by_customer or abandoned.", "cancellation_reason");
        }

        if (intent.Status is "succeeded" or "canceled")
        {
            throw StripeApiException.UnexpectedState(
                $"You cannot cancel this PaymentIntent because it has a status of {intent.Status}. Only a PaymentIntent with one of the following statuses may be canceled: requires_payment_method, requires_capture, requires_confirmation, requires_action, processing.");
        }

        var canceled = intent with { Status = "canceled", CanceledAt = call.Timestamp, CancellationReason = reason };
        call.Store.PaymentIntents[intent.Id] = canceled;
        call.Emit("payment_intent.canceled", Render.PaymentIntent(call.Store, canceled, Expand.None));
        return StripeCall.Ok(Render.PaymentIntent(call.Store, canceled, call.Expand));
    }

    public static PaymentIntent Find(StripeContext context, string id, string param = "intent") =>
        context.Store.PaymentIntents.TryGetValue(id, out var intent) ? intent : throw StripeApiException.NoSuch("payment_intent", id, param);

    /// <summary>
    /// The customer's answer on the 3-D Secure page of a PaymentIntent in requires_action: authenticated → the charge
    /// goes through by the card's rule; refused → requires_payment_method with payment_intent_authentication_failure.
    /// </summary>
    public static PaymentIntent Authenticate(StripeContext context, PaymentIntent intent, bool authenticated)
    {
        if (!authenticated)
        {
            var failed = intent with
            {
                Status = "requires_payment_method",
                LastPaymentError = new CardError(CardDecline.AuthenticationFailed, null, intent.PaymentMethod),
                PaymentMethod = null,
                NextActionUrl = null,
            };
            context.Store.PaymentIntents[intent.Id] = failed;
            context.Emit("payment_intent.payment_failed", Render.PaymentIntent(context.Store, failed, Expand.None));
            return failed;
        }

        var pm = context.Store.PaymentMethods[intent.PaymentMethod!];
        if (intent.SetupFutureUsage is not null)
        {
            pm = pm with { SetUpForOffSession = true };
            context.Store.PaymentMethods[pm.Id] = pm;
        }

        var decline = pm.Card.Rule is CardRule.Declines or CardRule.DeclinesCharges ? pm.Card.Decline : null;
        return Charge(context, intent with { NextActionUrl = null }, pm, decline).Intent;
    }

    private static StripeResult Confirm(StripeCall call, PaymentIntent intent, bool offSession, string? returnUrl, bool errorOnRequiresAction)
    {
        if (intent.PaymentMethod is null)
        {
            throw StripeApiException.UnexpectedState(
                "You cannot confirm this PaymentIntent because it's missing a payment method. You can either update the PaymentIntent with a payment method and then confirm it again, or confirm it again directly with a payment method.");
        }

        var pm = call.Store.PaymentMethods[intent.PaymentMethod];
        var needsAuthentication = pm.Card.Rule switch
        {
            CardRule.AuthenticationAlways => true,
            CardRule.AuthenticationUnlessSetUp => !(offSession && pm.SetUpForOffSession),
            _ => false,
        };
        if (needsAuthentication && !offSession && !errorOnRequiresAction)
        {
            var waiting = intent with
            {
                Status = "requires_action",
                NextActionUrl = $"{call.BaseUrl}/stripe/authenticate/{intent.Id}",
                ReturnUrl = returnUrl,
                LastPaymentError = null,
            };
            call.Store.PaymentIntents[intent.Id] = waiting;
            call.Emit("payment_intent.requires_action", Render.PaymentIntent(call.Store, waiting, Expand.None));
            return StripeCall.Ok(Render.PaymentIntent(call.Store, waiting, call.Expand));
        }

        var decline = needsAuthentication
            ? CardDecline.AuthenticationRequired
            : pm.Card.Rule is CardRule.Declines or CardRule.DeclinesCharges ? pm.Card.Decline : null;
        var (charged, error) = Charge(call, intent, pm, decline);
        if (error is null)
        {
            return StripeCall.Ok(Render.PaymentIntent(call.Store, charged, call.Expand));
        }

        var body = Render.Error(call.Store, error);
        body["payment_intent"] = Render.PaymentIntent(call.Store, charged, Expand.None);
        return new StripeResult(402, new JsonObject { ["error"] = body });
    }

    /// <summary>One charge attempt: succeeded or failed with <paramref name="decline"/>, its events, the PaymentIntent after it.</summary>
    private static (PaymentIntent Intent, CardError? Error) Charge(StripeContext context, PaymentIntent intent, PaymentMethod pm, CardDecline? decline)
    {
        var charge = new Charge
        {
            Id = Ids.New("ch"),
            Created = context.Timestamp,
            Amount = intent.Amount,
            Currency = intent.Currency,
            Customer = intent.Customer,
            PaymentIntent = intent.Id,
            PaymentMethod = pm.Id,
            Card = pm.Card,
            Description = intent.Description,
            Status = decline is null ? "succeeded" : "failed",
            Failure = decline,
            Metadata = intent.Metadata,
        };
        context.Store.Charges.Add(charge.Id, charge);
        if (decline is null)
        {
            var succeeded = intent with { Status = "succeeded", AmountReceived = intent.Amount, LatestCharge = charge.Id, LastPaymentError = null };
            context.Store.PaymentIntents[intent.Id] = succeeded;
            if (intent.SetupFutureUsage is not null && pm.Customer is null && intent.Customer is not null)
            {
                PaymentMethodsApi.Attach(context, pm, intent.Customer, setUpForOffSession: intent.SetupFutureUsage == "off_session");
            }

            context.Emit("charge.succeeded", Render.Charge(context.Store, charge, Expand.None));
            context.Emit("payment_intent.succeeded", Render.PaymentIntent(context.Store, succeeded, Expand.None));
            return (succeeded, null);
        }

        var error = new CardError(decline, charge.Id, pm.Id);
        var failed = intent with { Status = "requires_payment_method", LatestCharge = charge.Id, LastPaymentError = error, PaymentMethod = null };
        context.Store.PaymentIntents[intent.Id] = failed;
        context.Emit("charge.failed", Render.Charge(context.Store, charge, Expand.None));
        context.Emit("payment_intent.payment_failed", Render.PaymentIntent(context.Store, failed, Expand.None));
        return (failed, error);
    }

    /// <summary>off_session: true/false, or "one_off"/"recurring" (both mean true).</summary>
    private static bool? OffSession(StripeParams p) => p.String("off_session") switch
    {
        null => null,
        "true" or "one_off" or "recurring" => true,
        "false" => false,
        var other => throw StripeApiException.InvalidRequest($"Invalid off_session: {other}; use true, false, one_off or recurring.", "off_session"),
    };

    private static void CheckOwnership(PaymentMethod? pm, string? customerId)
    {
        if (pm?.Customer is { } owner && owner != customerId)
        {
            throw StripeApiException.InvalidRequest(
                customerId is null
                    ? $"The PaymentMethod {pm.Id} belongs to a Customer; pass that Customer's id as `customer` to use it."
                    : $"The PaymentMethod {pm.Id} does not belong to the Customer {customerId}. Please use a PaymentMethod that belongs to this Customer.",
                "payment_method");
        }
    }
}
