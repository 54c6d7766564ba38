using System.Text.Json.Nodes;
using Coworking.Sim.Stripe.Wire;

namespace Coworking.Sim.Stripe.Objects;

/// <summary>
/// The sim's records as Stripe's JSON: every field Stripe documents for the object that the sim has a value for, the
/// common others as null, ids for expandable fields unless expand[] asks for the object.
/// </summary>
internal static class Render
{
    public static JsonObject Customer(StripeStore store, Customer c, Expand expand)
    {
        if (c.Deleted)
        {
            return new JsonObject { ["id"] = c.Id, ["object"] = "customer", ["deleted"] = true };
        }

        expand.Allow("default_source", "invoice_settings.default_payment_method", "test_clock");
        return new JsonObject
        {
            ["id"] = c.Id,
            ["object"] = "customer",
            ["address"] = null,
            ["balance"] = 0,
            ["created"] = c.Created,
            ["currency"] = null,
            ["default_source"] = null,
            ["delinquent"] = false,
            ["description"] = c.Description,
            ["discount"] = null,
            ["email"] = c.Email,
            ["invoice_prefix"] = c.InvoicePrefix,
            ["invoice_settings"] = new JsonObject
            {
                ["custom_fields"] = null,
                ["default_payment_method"] = Expandable(store, c.DefaultPaymentMethod, expand, "invoice_settings.default_payment_method"),
                ["footer"] = null,
                ["rendering_options"] = null,
            },
            ["livemode"] = false,
            ["metadata"] = Metadata(c.Metadata),
            ["name"] = c.Name,
            ["next_invoice_sequence"] = 1,
            ["phone"] = c.Phone,
            ["preferred_locales"] = new JsonArray(),
            ["shipping"] = null,
            ["tax_exempt"] = "none",
            ["test_clock"] = null,
        };
    }

    public static JsonObject PaymentMethod(StripeStore store, PaymentMethod pm, Expand expand)
    {
        expand.Allow("customer");
        return new JsonObject
        {
            ["id"] = pm.Id,
            ["object"] = "payment_method",
            ["allow_redisplay"] = "unspecified",
            ["billing_details"] = new JsonObject
            {
                ["address"] = new JsonObject { ["city"] = null, ["country"] = null, ["line1"] = null, ["line2"] = null, ["postal_code"] = null, ["state"] = null },
                ["email"] = pm.BillingEmail,
                ["name"] = pm.BillingName,
                ["phone"] = null,
            },
            ["card"] = new JsonObject
            {
                ["brand"] = pm.Card.Brand,
                ["checks"] = new JsonObject { ["address_line1_check"] = null, ["address_postal_code_check"] = null, ["cvc_check"] = "pass" },
                ["country"] = pm.Card.Country,
                ["display_brand"] = pm.Card.Brand,
                ["exp_month"] = pm.Card.ExpMonth,
                ["exp_year"] = pm.Card.ExpYear,
                ["fingerprint"] = pm.Card.Fingerprint,
                ["funding"] = pm.Card.Funding,
                ["generated_from"] = null,
                ["last4"] = pm.Card.Last4,
                ["networks"] = new JsonObject { ["available"] = new JsonArray(pm.Card.Brand), ["preferred"] = null },
                ["regulated_status"] = "unregulated",
                ["three_d_secure_usage"] = new JsonObject { ["supported"] = true },
                ["wallet"] = null,
            },
            ["created"] = pm.Created,
            ["customer"] = Expandable(store, pm.Customer, expand, "customer"),
            ["livemode"] = false,
            ["metadata"] = Metadata(pm.Metadata),
            ["type"] = "card",
        };
    }

    public static JsonObject SetupIntent(StripeStore store, SetupIntent si, Expand expand)
    {
        expand.Allow("customer", "payment_method", "latest_attempt", "mandate", "single_use_mandate");
        return new JsonObject
        {
            ["id"] = si.Id,
            ["object"] = "setup_intent",
            ["application"] = null,
            ["automatic_payment_methods"] = null,
            ["cancellation_reason"] = null,
            ["client_secret"] = si.ClientSecret,
            ["created"] = si.Created,
            ["customer"] = Expandable(store, si.Customer, expand, "customer"),
            ["description"] = si.Description,
            ["flow_directions"] = null,
            ["last_setup_error"] = si.LastSetupError is null ? null : Error(store, si.LastSetupError),
            ["latest_attempt"] = null,
            ["livemode"] = false,
            ["mandate"] = null,
            ["metadata"] = Metadata(si.Metadata),
            ["next_action"] = null,
            ["on_behalf_of"] = null,
            ["payment_method"] = Expandable(store, si.PaymentMethod, expand, "payment_method"),
            ["payment_method_options"] = new JsonObject
            {
                ["card"] = new JsonObject { ["mandate_options"] = null, ["network"] = null, ["request_three_d_secure"] = "automatic" },
            },
            ["payment_method_types"] = new JsonArray("card"),
            ["single_use_mandate"] = null,
            ["status"] = si.Status,
            ["usage"] = si.Usage,
        };
    }

    public static JsonObject CheckoutSession(StripeStore store, CheckoutSession cs, Expand expand)
    {
        expand.Allow("customer", "setup_intent", "payment_intent", "invoice", "subscription", "payment_link");
        var completed = cs.Status == "complete";
        return new JsonObject
        {
            ["id"] = cs.Id,
            ["object"] = "checkout.session",
            ["after_expiration"] = null,
            ["allow_promotion_codes"] = null,
            ["amount_subtotal"] = null,
            ["amount_total"] = null,
            ["automatic_tax"] = new JsonObject { ["enabled"] = false, ["liability"] = null, ["status"] = null },
            ["billing_address_collection"] = null,
            ["cancel_url"] = cs.CancelUrl,
            ["client_reference_id"] = cs.ClientReferenceId,
            ["client_secret"] = null,
            ["consent"] = null,
            ["consent_collection"] = null,
            ["created"] = cs.Created,
            ["currency"] = cs.Currency,
            ["custom_fields"] = new JsonArray(),
            ["custom_text"] = new JsonObject { ["after_submit"] = null, ["shipping_address"] = null, ["submit"] = null, ["terms_of_service_acceptance"] = null },
            ["customer"] = Expandable(store, cs.Customer, expand, "customer"),
            ["customer_creation"] = null,
            ["customer_details"] = completed
                ? new JsonObject { ["address"] = null, ["email"] = cs.CompletedEmail, ["name"] = cs.CompletedName, ["phone"] = null, ["tax_exempt"] = "none", ["tax_ids"] = new JsonArray() }
                : null,
            ["customer_email"] = cs.CustomerEmail,
            ["expires_at"] = cs.ExpiresAt,
            ["invoice"] = null,
            ["invoice_creation"] = null,
            ["livemode"] = false,
            ["locale"] = null,
            ["metadata"] = Metadata(cs.Metadata),
            ["mode"] = cs.Mode,
            ["payment_intent"] = null,
            ["payment_link"] = null,
            ["payment_method_collection"] = "always",
            ["payment_method_options"] = new JsonObject(),
            ["payment_method_types"] = new JsonArray("card"),
            ["payment_status"] = "no_payment_required",
            ["phone_number_collection"] = new JsonObject { ["enabled"] = false },
            ["recovered_from"] = null,
            ["setup_intent"] = Expandable(store, cs.SetupIntent, expand, "setup_intent"),
            ["shipping_address_collection"] = null,
            ["shipping_cost"] = null,
            ["shipping_options"] = new JsonArray(),
            ["status"] = cs.Status,
            ["submit_type"] = null,
            ["subscription"] = null,
            ["success_url"] = cs.SuccessUrl,
            ["total_details"] = null,
            ["ui_mode"] = "hosted",
            ["url"] = cs.Status == "open" ? cs.Url : null,
        };
    }

    public static JsonObject PaymentIntent(StripeStore store, PaymentIntent pi, Expand expand)
    {
        expand.Allow("customer", "payment_method", "latest_charge", "application", "on_behalf_of", "review");
        return new JsonObject
        {
            ["id"] = pi.Id,
            ["object"] = "payment_intent",
            ["amount"] = pi.Amount,
            ["amount_capturable"] = 0,
            ["amount_details"] = new JsonObject { ["tip"] = new JsonObject() },
            ["amount_received"] = pi.AmountReceived,
            ["application"] = null,
            ["application_fee_amount"] = null,
            ["automatic_payment_methods"] = null,
            ["canceled_at"] = pi.CanceledAt,
            ["cancellation_reason"] = pi.CancellationReason,
            ["capture_method"] = "automatic",
            ["client_secret"] = pi.ClientSecret,
            ["confirmation_method"] = "automatic",
            ["created"] = pi.Created,
            ["currency"] = pi.Currency,
            ["customer"] = Expandable(store, pi.Customer, expand, "customer"),
            ["description"] = pi.Description,
            ["last_payment_error"] = pi.LastPaymentError is null ? null : Error(store, pi.LastPaymentError),
            ["latest_charge"] = Expandable(store, pi.LatestCharge, expand, "latest_charge"),
            ["livemode"] = false,
            ["metadata"] = Metadata(pi.Metadata),
            ["next_action"] = pi.Status == "requires_action" ? NextAction(pi) : null,
            ["on_behalf_of"] = null,
            ["payment_method"] = Expandable(store, pi.PaymentMethod, expand, "payment_method"),
            ["payment_method_configuration_details"] = null,
            ["payment_method_options"] = new JsonObject
            {
                ["card"] = new JsonObject { ["installments"] = null, ["mandate_options"] = null, ["network"] = null, ["request_three_d_secure"] = "automatic" },
            },
            ["payment_method_types"] = new JsonArray("card"),
            ["processing"] = null,
            ["receipt_email"] = pi.ReceiptEmail,
            ["review"] = null,
            ["setup_future_usage"] = pi.SetupFutureUsage,
            ["shipping"] = null,
            ["source"] = null,
            ["statement_descriptor"] = pi.StatementDescriptor,
            ["statement_descriptor_suffix"] = null,
            ["status"] = pi.Status,
            ["transfer_data"] = null,
            ["transfer_group"] = null,
        };
    }

    public static JsonObject Charge(StripeStore store, Charge ch, Expand expand)
    {
        expand.Allow("customer", "payment_intent", "balance_transaction", "refunds", "application", "review", "on_behalf_of");
        var succeeded = ch.Status == "succeeded";
        var pm = store.PaymentMethods.GetValueOrDefault(ch.PaymentMethod);
        var refunds = store.Refunds.Values.Where(r => r.Charge == ch.Id).Reverse().ToList();
        var charge = new JsonObject
        {
            ["id"] = ch.Id,
            ["object"] = "charge",
            ["amount"] = ch.Amount,
            ["amount_captured"] = succeeded ? ch.Amount : 0,
            ["amount_refunded"] = ch.AmountRefunded,
            ["application"] = null,
            ["application_fee"] = null,
            ["application_fee_amount"] = null,
            ["balance_transaction"] = succeeded ? "txn_" + ch.Id[3..] : null,
            ["billing_details"] = new JsonObject
            {
                ["address"] = new JsonObject { ["city"] = null, ["country"] = null, ["line1"] = null, ["line2"] = null, ["postal_code"] = null, ["state"] = null },
                ["email"] = pm?.BillingEmail,
                ["name"] = pm?.BillingName,
                ["phone"] = null,
            },
            ["calculated_statement_descriptor"] = "COWORKING SIM",
            ["captured"] = succeeded,
            ["created"] = ch.Created,
            ["currency"] = ch.Currency,
            ["customer"] = Expandable(store, ch.Customer, expand, "customer"),
            ["description"] = ch.Description,
            ["disputed"] = false,
            ["failure_balance_transaction"] = null,
            ["failure_code"] = ch.Failure?.Code,
            ["failure_message"] = ch.Failure?.Message,
            ["fraud_details"] = new JsonObject(),
            ["livemode"] = false,
            ["metadata"] = Metadata(ch.Metadata),
            ["on_behalf_of"] = null,
            ["outcome"] = succeeded
                ? new JsonObject
                {
                    ["advice_code"] = null, ["network_advice_code"] = null, ["network_decline_code"] = null, ["network_status"] = "approved_by_network",
                    ["reason"] = null, ["risk_level"] = "normal", ["risk_score"] = 20, ["seller_message"] = "Payment complete.", ["type"] = "authorized",
                }
                : new JsonObject
                {
                    ["advice_code"] = null, ["network_advice_code"] = null, ["network_decline_code"] = null, ["network_status"] = "declined_by_network",
                    ["reason"] = ch.Failure?.DeclineCode ?? ch.Failure?.Code, ["risk_level"] = "normal", ["risk_score"] = 20,
                    ["seller_message"] = "The bank did not return any further details with this decline.", ["type"] = "issuer_declined",
                },
            ["paid"] = succeeded,
            ["payment_intent"] = Expandable(store, ch.PaymentIntent, expand, "payment_intent"),
            ["payment_method"] = ch.PaymentMethod,
            ["payment_method_details"] = new JsonObject
            {
                ["card"] = new JsonObject
                {
                    ["amount_authorized"] = succeeded ? ch.Amount : null,
                    ["brand"] = ch.Card.Brand,
                    ["checks"] = new JsonObject { ["address_line1_check"] = null, ["address_postal_code_check"] = null, ["cvc_check"] = "pass" },
                    ["country"] = ch.Card.Country,
                    ["exp_month"] = ch.Card.ExpMonth,
                    ["exp_year"] = ch.Card.ExpYear,
                    ["fingerprint"] = ch.Card.Fingerprint,
                    ["funding"] = ch.Card.Funding,
                    ["installments"] = null,
                    ["last4"] = ch.Card.Last4,
                    ["mandate"] = null,
                    ["network"] = ch.Card.Brand,
                    ["network_token"] = new JsonObject { ["used"] = false },
                    ["three_d_secure"] = null,
                    ["wallet"] = null,
                },
                ["type"] = "card",
            },
            ["receipt_email"] = null,
            ["receipt_number"] = null,
            ["receipt_url"] = null,
            ["refunded"] = ch.AmountRefunded >= ch.Amount && succeeded,
            ["review"] = null,
            ["shipping"] = null,
            ["source"] = null,
            ["source_transfer"] = null,
            ["statement_descriptor"] = null,
            ["statement_descriptor_suffix"] = null,
            ["status"] = ch.Status,
            ["transfer_data"] = null,
            ["transfer_group"] = null,
        };
        if (expand.Has("refunds"))
        {
            charge["refunds"] = List($"/v1/charges/{ch.Id}/refunds", refunds.Select(r => (JsonNode)Refund(store, r, expand.For("refunds").For("data"))), hasMore: false);
        }

        return charge;
    }

    public static JsonObject Refund(StripeStore store, Refund re, Expand expand)
    {
        expand.Allow("charge", "payment_intent", "balance_transaction");
        return new JsonObject
        {
            ["id"] = re.Id,
            ["object"] = "refund",
            ["amount"] = re.Amount,
            ["balance_transaction"] = "txn_" + re.Id[3..],
            ["charge"] = Expandable(store, re.Charge, expand, "charge"),
            ["created"] = re.Created,
            ["currency"] = re.Currency,
            ["destination_details"] = new JsonObject { ["card"] = new JsonObject { ["reference_status"] = "pending", ["reference_type"] = "acquirer_reference_number", ["type"] = "refund" }, ["type"] = "card" },
            ["metadata"] = Metadata(re.Metadata),
            ["payment_intent"] = Expandable(store, re.PaymentIntent, expand, "payment_intent"),
            ["reason"] = re.Reason,
            ["receipt_number"] = null,
            ["source_transfer_reversal"] = null,
            ["status"] = re.Status,
            ["transfer_reversal"] = null,
        };
    }

    /// <summary>A card error object: last_payment_error, last_setup_error, and the "error" of an HTTP 402 (with payment_intent added there).</summary>
    public static JsonObject Error(StripeStore store, CardError error)
    {
        var json = new JsonObject();
        if (AdviceCode(error.Decline) is { } advice)
        {
            json["advice_code"] = advice;
        }

        if (error.Charge is not null)
        {
            json["charge"] = error.Charge;
        }

        json["code"] = error.Decline.Code;
        if (error.Decline.DeclineCode is not null)
        {
            json["decline_code"] = error.Decline.DeclineCode;
        }

        json["doc_url"] = StripeErrors.DocUrl(error.Decline.Code);
        json["message"] = error.Decline.Message;
        if (error.PaymentMethod is not null && store.PaymentMethods.TryGetValue(error.PaymentMethod, out var pm))
        {
            json["payment_method"] = PaymentMethod(store, pm, Expand.None);
        }

        json["type"] = error.Decline.Code == "payment_intent_authentication_failure" ? "invalid_request_error" : "card_error";
        return json;
    }

    /// <summary>A list object: newest first, with has_more for the page.</summary>
    public static JsonObject List(string url, IEnumerable<JsonNode> data, bool hasMore) => new()
    {
        ["object"] = "list",
        ["data"] = new JsonArray([.. data]),
        ["has_more"] = hasMore,
        ["url"] = url,
    };

    /// <summary>Any stored object by id, unexpanded, as webhook events and expansions need it.</summary>
    public static JsonObject? ById(StripeStore store, string id, Expand expand) => id switch
    {
        _ when store.Customers.TryGetValue(id, out var c) => Customer(store, c, expand),
        _ when store.PaymentMethods.TryGetValue(id, out var pm) => PaymentMethod(store, pm, expand),
        _ when store.SetupIntents.TryGetValue(id, out var si) => SetupIntent(store, si, expand),
        _ when store.CheckoutSessions.TryGetValue(id, out var cs) => CheckoutSession(store, cs, expand),
        _ when store.PaymentIntents.TryGetValue(id, out var pi) => PaymentIntent(store, pi, expand),
        _ when store.Charges.TryGetValue(id, out var ch) => Charge(store, ch, expand),
        _ when store.Refunds.TryGetValue(id, out var re) => Refund(store, re, expand),
        _ => null,
    };

    public static JsonObject Metadata(IReadOnlyDictionary<string, string> metadata)
    {
        var json = new JsonObject();
        foreach (var (key, value) in metadata)
        {
            json[key] = value;
        }

        return json;
    }

    private static JsonNode? Expandable(StripeStore store, string? id, Expand expand, string field) =>
        id is null ? null : expand.Has(field) ? (JsonNode?)ById(store, id, expand.For(field)) ?? JsonValue.Create(id) : JsonValue.Create(id);

    /// <summary>What Stripe advises after a decline: retry later, ask the customer for other card data, or give up on the card.</summary>
    private static string? AdviceCode(CardDecline decline) => (decline.DeclineCode ?? decline.Code) switch
    {
        "generic_decline" or "insufficient_funds" or "processing_error" => "try_again_later",
        "expired_card" or "incorrect_cvc" or "incorrect_number" => "confirm_card_data",
        "lost_card" or "stolen_card" or "test_mode_live_card" => "do_not_try_again",
        _ => null,
    };

    private static JsonObject NextAction(PaymentIntent pi) => new()
    {
        ["redirect_to_url"] = new JsonObject { ["return_url"] = pi.ReturnUrl, ["url"] = pi.NextActionUrl },
        ["type"] = "redirect_to_url",
    };
}
