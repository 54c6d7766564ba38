using Coworking.Sim.Stripe.Objects;
using Coworking.Sim.Stripe.Wire;

namespace Coworking.Sim.Stripe.Api;

/// <summary>
/// /v1/checkout/sessions in setup mode: create (with a SetupIntent and a URL to the sim's checkout page), retrieve,
/// list, expire; completing one is the customer's part, done on that page or through POST /stripe/checkout/{id}/complete.
/// </summary>
internal static class CheckoutSessionsApi
{
    private static readonly TimeSpan MinimumLifetime = TimeSpan.FromMinutes(30);
    private static readonly TimeSpan DefaultLifetime = TimeSpan.FromHours(24);

    public static StripeResult Create(StripeCall call)
    {
        var p = call.Params;
        var mode = p.Required("mode");
        var customerId = p.NonEmpty("customer");
        var customerEmail = p.NonEmpty("customer_email");
        var currency = p.NonEmpty("currency")?.ToLowerInvariant();
        var successUrl = p.NonEmpty("success_url");
        var cancelUrl = p.NonEmpty("cancel_url");
        var returnUrl = p.NonEmpty("return_url");
        var clientReferenceId = p.NonEmpty("client_reference_id");
        var metadata = p.Metadata();
        var expiresAt = p.Long("expires_at");
        var methodTypes = p.StringList("payment_method_types");
        var uiMode = p.NonEmpty("ui_mode");
        p.NonEmpty("locale");
        p.NonEmpty("billing_address_collection");
        var setupData = p.Hash("setup_intent_data");
        var setupMetadata = setupData?.Metadata();
        var setupDescription = setupData?.NonEmpty("description");
        setupData?.RejectUnknown("setup_intent_data");
        _ = call.Expand;
        p.RejectUnknown();

        if (mode != "setup")
        {
            throw StripeApiException.InvalidRequest($"The sim supports Checkout in mode=setup only, not '{mode}'.", "mode");
        }

        if (customerId is not null && customerEmail is not null)
        {
            throw StripeApiException.InvalidRequest("You may only specify one of these parameters: customer, customer_email.", "customer_email");
        }

        if (methodTypes is not null && methodTypes.Any(t => t != "card"))
        {
            throw StripeApiException.InvalidRequest("The sim supports payment_method_types card only.", "payment_method_types");
        }

        if (uiMode is not null and not "hosted")
        {
            throw StripeApiException.InvalidRequest("The sim supports ui_mode hosted only.", "ui_mode");
        }

        if (returnUrl is not null)
        {
            throw StripeApiException.InvalidRequest("return_url is only for ui_mode embedded or custom; use success_url.", "return_url");
        }

        if (currency is not null && (currency.Length != 3 || !currency.All(char.IsAsciiLetterLower)))
        {
            throw StripeApiException.InvalidRequest($"Invalid currency: {currency}.", "currency");
        }

        if (expiresAt is not null && (expiresAt < (call.Now + MinimumLifetime).ToUnixTimeSeconds() || expiresAt > (call.Now + DefaultLifetime).ToUnixTimeSeconds()))
        {
            throw StripeApiException.InvalidRequest("The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout Session creation.", "expires_at");
        }

        var customer = customerId is null ? null : CustomersApi.Find(call, customerId, "customer");
        var setupIntent = new SetupIntent
        {
            Id = Ids.New("seti"),
            Created = call.Timestamp,
            ClientSecret = string.Empty,
            Customer = customer?.Id,
            Status = "requires_payment_method",
            Description = setupDescription,
            Metadata = setupMetadata?.ApplyTo(new Dictionary<string, string>()) ?? new Dictionary<string, string>(),
        };
        setupIntent = setupIntent with { ClientSecret = Ids.ClientSecret(setupIntent.Id) };
        call.Store.SetupIntents.Add(setupIntent.Id, setupIntent);
        call.Emit("setup_intent.created", Render.SetupIntent(call.Store, setupIntent, Expand.None));

        var id = Ids.New("cs_test", 58);
        var session = new CheckoutSession
        {
            Id = id,
            Created = call.Timestamp,
            ExpiresAt = expiresAt ?? (call.Now + DefaultLifetime).ToUnixTimeSeconds(),
            Status = "open",
            Customer = customer?.Id,
            CustomerEmail = customerEmail,
            ClientReferenceId = clientReferenceId,
            Currency = currency,
            SuccessUrl = successUrl,
            CancelUrl = cancelUrl,
            SetupIntent = setupIntent.Id,
            Url = $"{call.BaseUrl}/stripe/checkout/{id}",
            Metadata = metadata?.ApplyTo(new Dictionary<string, string>()) ?? new Dictionary<string, string>(),
        };
        call.Store.CheckoutSessions.Add(session.Id, session);
        return StripeCall.Ok(Render.CheckoutSession(call.Store, session, call.Expand));
    }

    public static StripeResult Retrieve(StripeCall call)
    {
        var session = Current(call, Find(call, call.Id));
        call.Params.RejectUnknown();
        return StripeCall.Ok(Render.CheckoutSession(call.Store, session, call.Expand));
    }

    public static StripeResult List(StripeCall call)
    {
        var customer = call.Params.NonEmpty("customer");
        var status = call.Params.NonEmpty("status");
        var setupIntent = call.Params.NonEmpty("setup_intent");
        var sessions = call.Store.CheckoutSessions.Values.ToList()
            .Select(s => Current(call, s))
            .Where(s => (customer is null || s.Customer == customer) && (status is null || s.Status == status) && (setupIntent is null || s.SetupIntent == setupIntent));
        return StripeCall.Ok(Pages.List(call.Params, "/v1/checkout/sessions", sessions, s => s.Id, (s, e) => Render.CheckoutSession(call.Store, s, e), call.Expand));
    }

    public static StripeResult Expire(StripeCall call)
    {
        var session = Current(call, Find(call, call.Id));
        _ = call.Expand;
        call.Params.RejectUnknown();
        if (session.Status != "open")
        {
            throw StripeApiException.InvalidRequest($"Only Checkout Sessions with a status in [\"open\"] can be expired. This Checkout Session has a status of \"{session.Status}\".", null, "checkout_session_unexpected_state");
        }

        return StripeCall.Ok(Render.CheckoutSession(call.Store, ExpireNow(call, session), call.Expand));
    }

    public static CheckoutSession Find(StripeContext context, string id) =>
        context.Store.CheckoutSessions.TryGetValue(id, out var session) ? session : throw StripeApiException.NoSuch("checkout.session", id);

    /// <summary>The session, expired first if its expires_at has passed (with checkout.session.expired, as Stripe sends it).</summary>
    public static CheckoutSession Current(StripeContext context, CheckoutSession session) =>
        session.Status == "open" && session.ExpiresAt <= context.Timestamp ? ExpireNow(context, session) : session;

    /// <summary>
    /// The customer entered <paramref name="card"/> on the checkout page: a PaymentMethod is made and, when the card can
    /// be saved, attached to the session's customer (optionally made their default), the SetupIntent succeeds and the
    /// session completes. A card that cannot be saved fails the SetupIntent and leaves the session open.
    /// </summary>
    public static (CheckoutSession Session, CardDecline? Decline) Complete(
        StripeContext context, CheckoutSession session, TestCard card, int expMonth, int expYear, string? name, string? email)
    {
        var setupIntent = context.Store.SetupIntents[session.SetupIntent];
        var customer = session.Customer is null ? null : context.Store.Customers.GetValueOrDefault(session.Customer);
        email ??= customer?.Email ?? session.CustomerEmail;
        name ??= customer?.Name;
        var pm = PaymentMethodsApi.Create(context, card, expMonth, expYear, name, email);
        if (card.Rule == CardRule.Declines && card.Decline is not null)
        {
            var failed = setupIntent with { LastSetupError = new CardError(card.Decline, null, pm.Id), PaymentMethod = null };
            context.Store.SetupIntents[failed.Id] = failed;
            context.Emit("setup_intent.setup_failed", Render.SetupIntent(context.Store, failed, Expand.None));
            return (session, card.Decline);
        }

        pm = pm with { SetUpForOffSession = true };
        context.Store.PaymentMethods[pm.Id] = pm;
        if (customer is not null)
        {
            pm = PaymentMethodsApi.Attach(context, pm, customer.Id, setUpForOffSession: true);
        }

        var succeeded = setupIntent with { Status = "succeeded", PaymentMethod = pm.Id, LastSetupError = null };
        context.Store.SetupIntents[succeeded.Id] = succeeded;
        context.Emit("setup_intent.succeeded", Render.SetupIntent(context.Store, succeeded, Expand.None));

        var completed = session with { Status = "complete", CompletedEmail = email, CompletedName = name };
        context.Store.CheckoutSessions[completed.Id] = completed;
        context.Emit("checkout.session.completed", Render.CheckoutSession(context.Store, completed, Expand.None));

        if (customer is not null && context.Options.CheckoutSetsDefaultPaymentMethod)
        {
            CustomersApi.Save(context, customer with { DefaultPaymentMethod = pm.Id }, Render.Customer(context.Store, customer, Expand.None));
        }

        return (completed, null);
    }

    private static CheckoutSession ExpireNow(StripeContext context, CheckoutSession session)
    {
        var expired = session with { Status = "expired" };
        context.Store.CheckoutSessions[expired.Id] = expired;
        if (context.Store.SetupIntents.TryGetValue(session.SetupIntent, out var setupIntent) && setupIntent.Status != "succeeded")
        {
            context.Store.SetupIntents[setupIntent.Id] = setupIntent with { Status = "canceled" };
        }

        context.Emit("checkout.session.expired", Render.CheckoutSession(context.Store, expired, Expand.None));
        return expired;
    }
}
