using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Coworking.Sim.Tests.Support;
using Stripe;

namespace Coworking.Sim.Tests.StripeSim;

/// <summary>The sim driven by the real Stripe.net client, as the hub will drive it: the API base is the sim's URL.</summary>
public class StripeNetClientTests(StripeSimHost sim) : IClassFixture<StripeSimHost>
{
    [Fact]
    public async Task Card_saved_through_setup_checkout_becomes_the_default_and_pays_off_session()
    {
        var client = sim.Client();
        var customer = await client.V1.Customers.CreateAsync(new CustomerCreateOptions
        {
            Email = "ada@example.test",
            Metadata = new Dictionary<string, string> { ["member_id"] = "m-42" },
        });
        var session = await client.V1.Checkout.Sessions.CreateAsync(new global::Stripe.Checkout.SessionCreateOptions
        {
            Mode = "setup",
            Customer = customer.Id,
            Currency = "eur",
            SuccessUrl = "https://hub.example.test/done?session={CHECKOUT_SESSION_ID}",
            CancelUrl = "https://hub.example.test/cancel",
        });

        using var completion = await sim.CompleteCheckoutAsync(session.Id, "4242 4242 4242 4242");
        var completed = await client.V1.Checkout.Sessions.GetAsync(session.Id);
        var setupIntent = await client.V1.SetupIntents.GetAsync(completed.SetupIntentId);
        var saved = await client.V1.Customers.GetAsync(customer.Id);
        var cards = await client.V1.PaymentMethods.ListAsync(new PaymentMethodListOptions { Customer = customer.Id, Type = "card" });
        var payment = await client.V1.PaymentIntents.CreateAsync(new PaymentIntentCreateOptions
        {
            Amount = 12_900,
            Currency = "eur",
            Customer = customer.Id,
            PaymentMethod = saved.InvoiceSettings.DefaultPaymentMethodId,
            OffSession = true,
            Confirm = true,
            Metadata = new Dictionary<string, string> { ["invoice"] = "INV-2026-0001" },
            Expand = ["latest_charge"],
        });

        Assert.Equal(HttpStatusCode.OK, completion.StatusCode);
        Assert.StartsWith("cs_test_", session.Id, StringComparison.Ordinal);
        Assert.Equal($"{sim.BaseAddress}stripe/checkout/{session.Id}", session.Url);
        Assert.Equal("m-42", customer.Metadata["member_id"]);
        Assert.False(customer.Livemode);
        Assert.Equal("complete", completed.Status);
        Assert.Equal("succeeded", setupIntent.Status);
        Assert.Equal(setupIntent.PaymentMethodId, saved.InvoiceSettings.DefaultPaymentMethodId);
        Assert.Equal("4242", Assert.Single(cards.Data).Card.Last4);
        Assert.Equal("visa", cards.Data[0].Card.Brand);
        Assert.StartsWith("pi_", payment.Id, StringComparison.Ordinal);
        Assert.Equal("succeeded", payment.Status);
        Assert.Equal(12_900, payment.AmountReceived);
        Assert.Equal("INV-2026-0001", payment.Metadata["invoice"]);
        Assert.True(payment.LatestCharge.Paid);
        Assert.Equal("succeeded", payment.LatestCharge.Status);
        Assert.Equal("4242", payment.LatestCharge.PaymentMethodDetails.Card.Last4);
    }

    [Fact]
    public async Task Card_that_saves_but_declines_charges_fails_off_session_with_card_declined()
    {
        var client = sim.Client();
        var (customer, card) = await sim.CustomerWithCardAsync("4000000000000341");

        var error = await Assert.ThrowsAsync<StripeException>(() => client.V1.PaymentIntents.CreateAsync(new PaymentIntentCreateOptions
        {
            Amount = 5_000,
            Currency = "eur",
            Customer = customer.Id,
            PaymentMethod = card,
            OffSession = true,
            Confirm = true,
        }));
        var intent = await client.V1.PaymentIntents.GetAsync(error.StripeError.PaymentIntent.Id);
        var charge = await client.V1.Charges.GetAsync(error.StripeError.Charge);

        Assert.Equal(HttpStatusCode.PaymentRequired, error.HttpStatusCode);
        Assert.Equal("card_error", error.StripeError.Type);
        Assert.Equal("card_declined", error.StripeError.Code);
        Assert.Equal("generic_decline", error.StripeError.DeclineCode);
        Assert.Equal("Your card was declined.", error.StripeError.Message);
        Assert.Equal(card, error.StripeError.PaymentMethod.Id);
        Assert.Equal("requires_payment_method", intent.Status);
        Assert.Equal("card_declined", intent.LastPaymentError.Code);
        Assert.Equal(charge.Id, intent.LatestChargeId);
        Assert.Equal("failed", charge.Status);
        Assert.False(charge.Paid);
        Assert.Equal("card_declined", charge.FailureCode);
    }

    [Fact]
    public async Task Insufficient_funds_card_cannot_be_saved_and_the_checkout_stays_open()
    {
        var client = sim.Client();
        var customer = await client.V1.Customers.CreateAsync(new CustomerCreateOptions { Email = "low@example.test" });
        var session = await client.V1.Checkout.Sessions.CreateAsync(new global::Stripe.Checkout.SessionCreateOptions { Mode = "setup", Customer = customer.Id, Currency = "eur" });

        using var completion = await sim.CompleteCheckoutAsync(session.Id, "4000000000009995");
        var problem = await completion.Content.ReadFromJsonAsync<JsonElement>();
        var still = await client.V1.Checkout.Sessions.GetAsync(session.Id);
        var setupIntent = await client.V1.SetupIntents.GetAsync(still.SetupIntentId);

        Assert.Equal(HttpStatusCode.PaymentRequired, completion.StatusCode);
        Assert.Equal("insufficient_funds", problem.GetProperty("declineCode").GetString());
        Assert.Equal("open", still.Status);
        Assert.Equal("requires_payment_method", setupIntent.Status);
        Assert.Equal("insufficient_funds", setupIntent.LastSetupError.DeclineCode);
        Assert.Null((await client.V1.Customers.GetAsync(customer.Id)).InvoiceSettings.DefaultPaymentMethodId);
    }

    [Fact]
    public async Task Off_session_payment_with_a_card_that_always_needs_3ds_is_declined_authentication_required()
    {
        var client = sim.Client();
        var customer = await client.V1.Customers.CreateAsync(new CustomerCreateOptions { Email = "3ds@example.test" });
        var card = await client.V1.PaymentMethods.AttachAsync("pm_card_authenticationRequired", new PaymentMethodAttachOptions { Customer = customer.Id });

        var error = await Assert.ThrowsAsync<StripeException>(() => client.V1.PaymentIntents.CreateAsync(new PaymentIntentCreateOptions
        {
            Amount = 2_500,
            Currency = "gbp",
            Customer = customer.Id,
            PaymentMethod = card.Id,
            OffSession = true,
            Confirm = true,
        }));

        Assert.StartsWith("pm_", card.Id, StringComparison.Ordinal);
        Assert.Equal(customer.Id, card.CustomerId);
        Assert.Equal("3184", card.Card.Last4);
        Assert.Equal(HttpStatusCode.PaymentRequired, error.HttpStatusCode);
        Assert.Equal("authentication_required", error.StripeError.Code);
        Assert.Equal("authentication_required", error.StripeError.DeclineCode);
        Assert.Equal("requires_payment_method", error.StripeError.PaymentIntent.Status);
    }

    [Fact]
    public async Task On_session_payment_needing_3ds_waits_for_the_customer_and_succeeds_once_authenticated()
    {
        var client = sim.Client();
        var (customer, card) = await sim.CustomerWithCardAsync("4000002500003155");

        var offSession = await client.V1.PaymentIntents.CreateAsync(new PaymentIntentCreateOptions
        {
            Amount = 1_000, Currency = "eur", Customer = customer.Id, PaymentMethod = card, OffSession = true, Confirm = true,
        });
        var onSession = await client.V1.PaymentIntents.CreateAsync(new PaymentIntentCreateOptions
        {
            Amount = 1_000, Currency = "eur", Customer = customer.Id, PaymentMethod = card, Confirm = true, ReturnUrl = "https://hub.example.test/paid",
        });
        using var authenticated = await sim.Http.PostAsJsonAsync($"/stripe/payment_intents/{onSession.Id}/authenticate", new { succeed = true });
        var after = await client.V1.PaymentIntents.GetAsync(onSession.Id);

        Assert.Equal("succeeded", offSession.Status);
        Assert.Equal("requires_action", onSession.Status);
        Assert.Equal("redirect_to_url", onSession.NextAction.Type);
        Assert.Equal($"{sim.BaseAddress}stripe/authenticate/{onSession.Id}", onSession.NextAction.RedirectToUrl.Url);
        Assert.Equal(HttpStatusCode.OK, authenticated.StatusCode);
        Assert.Equal("succeeded", after.Status);
    }

    [Fact]
    public async Task Same_idempotency_key_and_parameters_replay_the_first_payment()
    {
        var client = sim.Client();
        var (customer, card) = await sim.CustomerWithCardAsync("4242424242424242");
        var options = new PaymentIntentCreateOptions { Amount = 7_700, Currency = "eur", Customer = customer.Id, PaymentMethod = card, OffSession = true, Confirm = true };
        var key = new RequestOptions { IdempotencyKey = $"invoice-{Guid.NewGuid():N}" };

        var first = await client.V1.PaymentIntents.CreateAsync(options, key);
        var again = await client.V1.PaymentIntents.CreateAsync(options, key);
        var payments = await client.V1.PaymentIntents.ListAsync(new PaymentIntentListOptions { Customer = customer.Id });

        Assert.Equal(first.Id, again.Id);
        Assert.Equal(first.LatestChargeId, again.LatestChargeId);
        Assert.Equal("true", again.StripeResponse.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Single(payments.Data);
    }

    [Fact]
    public async Task Declined_payment_is_replayed_as_the_same_decline_for_its_idempotency_key()
    {
        var client = sim.Client();
        var (customer, card) = await sim.CustomerWithCardAsync("4000000000000341");
        var options = new PaymentIntentCreateOptions { Amount = 7_700, Currency = "eur", Customer = customer.Id, PaymentMethod = card, OffSession = true, Confirm = true };
        var key = new RequestOptions { IdempotencyKey = $"invoice-{Guid.NewGuid():N}" };

        var first = await Assert.ThrowsAsync<StripeException>(() => client.V1.PaymentIntents.CreateAsync(options, key));
        var again = await Assert.ThrowsAsync<StripeException>(() => client.V1.PaymentIntents.CreateAsync(options, key));

        Assert.Equal(first.StripeError.PaymentIntent.Id, again.StripeError.PaymentIntent.Id);
        Assert.Equal(first.StripeError.Charge, again.StripeError.Charge);
        Assert.Single((await client.V1.Charges.ListAsync(new ChargeListOptions { Customer = customer.Id })).Data);
    }

    [Fact]
    public async Task Same_idempotency_key_with_other_parameters_is_an_idempotency_error()
    {
        var client = sim.Client();
        var (customer, card) = await sim.CustomerWithCardAsync("4242424242424242");
        var key = new RequestOptions { IdempotencyKey = $"invoice-{Guid.NewGuid():N}" };
        await client.V1.PaymentIntents.CreateAsync(
            new PaymentIntentCreateOptions { Amount = 1_000, Currency = "eur", Customer = customer.Id, PaymentMethod = card, OffSession = true, Confirm = true }, key);

        var error = await Assert.ThrowsAsync<StripeException>(() => client.V1.PaymentIntents.CreateAsync(
            new PaymentIntentCreateOptions { Amount = 2_000, Currency = "eur", Customer = customer.Id, PaymentMethod = card, OffSession = true, Confirm = true }, key));

        Assert.Equal(HttpStatusCode.BadRequest, error.HttpStatusCode);
        Assert.Equal("idempotency_error", error.StripeError.Type);
        Assert.Contains("same parameters", error.StripeError.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Partial_then_full_refund_adds_up_and_a_refund_beyond_the_charge_is_refused()
    {
        var client = sim.Client();
        var (customer, card) = await sim.CustomerWithCardAsync("5555555555554444");
        var payment = await client.V1.PaymentIntents.CreateAsync(new PaymentIntentCreateOptions
        {
            Amount = 5_000, Currency = "eur", Customer = customer.Id, PaymentMethod = card, OffSession = true, Confirm = true,
        });

        var partial = await client.V1.Refunds.CreateAsync(new RefundCreateOptions { PaymentIntent = payment.Id, Amount = 1_500, Reason = "requested_by_customer" });
        var tooMuch = await Assert.ThrowsAsync<StripeException>(() => client.V1.Refunds.CreateAsync(new RefundCreateOptions { PaymentIntent = payment.Id, Amount = 4_000 }));
        var rest = await client.V1.Refunds.CreateAsync(new RefundCreateOptions { PaymentIntent = payment.Id });
        var charge = await client.V1.Charges.GetAsync(payment.LatestChargeId);

        Assert.StartsWith("re_", partial.Id, StringComparison.Ordinal);
        Assert.Equal("succeeded", partial.Status);
        Assert.Equal(1_500, partial.Amount);
        Assert.Equal(HttpStatusCode.BadRequest, tooMuch.HttpStatusCode);
        Assert.Equal("amount_too_large", tooMuch.StripeError.Code);
        Assert.Equal(3_500, rest.Amount);
        Assert.Equal(5_000, charge.AmountRefunded);
        Assert.True(charge.Refunded);
    }

    [Fact]
    public async Task Customer_update_changes_metadata_and_the_default_card_and_lists_events_newest_first()
    {
        var client = sim.Client();
        var customer = await client.V1.Customers.CreateAsync(new CustomerCreateOptions { Metadata = new Dictionary<string, string> { ["plan"] = "day", ["old"] = "x" } });
        var card = await client.V1.PaymentMethods.AttachAsync("pm_card_visa", new PaymentMethodAttachOptions { Customer = customer.Id });

        var updated = await client.V1.Customers.UpdateAsync(customer.Id, new CustomerUpdateOptions
        {
            Name = "Grace Hopper",
            Metadata = new Dictionary<string, string> { ["plan"] = "24h", ["old"] = string.Empty },
            InvoiceSettings = new CustomerInvoiceSettingsOptions { DefaultPaymentMethod = card.Id },
        });
        var events = await client.V1.Events.ListAsync(new EventListOptions { Type = "customer.*", Limit = 100 });
        var mine = events.Data.Where(e => ((Customer)e.Data.Object).Id == customer.Id).ToList();

        Assert.Equal("Grace Hopper", updated.Name);
        Assert.Equal(new Dictionary<string, string> { ["plan"] = "24h" }, updated.Metadata);
        Assert.Equal(card.Id, updated.InvoiceSettings.DefaultPaymentMethodId);
        Assert.Equal(["customer.updated", "customer.created"], mine.Select(e => e.Type));
        Assert.Equal(mine[0].Id, (await client.V1.Events.GetAsync(mine[0].Id)).Id);
    }

    [Fact]
    public async Task Unknown_parameter_and_unknown_object_are_refused_as_stripe_does()
    {
        var client = sim.Client();

        var unknown = await Assert.ThrowsAsync<StripeException>(() => client.V1.Customers.GetAsync("cus_doesnotexist"));
        var badDefault = await Assert.ThrowsAsync<StripeException>(() => client.V1.Customers.CreateAsync(new CustomerCreateOptions
        {
            InvoiceSettings = new CustomerInvoiceSettingsOptions { DefaultPaymentMethod = "pm_missing" },
        }));

        Assert.Equal(HttpStatusCode.NotFound, unknown.HttpStatusCode);
        Assert.Equal("resource_missing", unknown.StripeError.Code);
        Assert.Equal("No such customer: 'cus_doesnotexist'", unknown.StripeError.Message);
        Assert.Equal(HttpStatusCode.BadRequest, badDefault.HttpStatusCode);
        Assert.Equal("invoice_settings[default_payment_method]", badDefault.StripeError.Param);
    }

    [Fact]
    public async Task Lists_page_newest_first_with_starting_after()
    {
        var client = sim.Client();
        var email = $"page-{Guid.NewGuid():N}@example.test";
        var created = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            created.Add((await client.V1.Customers.CreateAsync(new CustomerCreateOptions { Email = email })).Id);
        }

        var first = await client.V1.Customers.ListAsync(new CustomerListOptions { Email = email, Limit = 2 });
        var second = await client.V1.Customers.ListAsync(new CustomerListOptions { Email = email, Limit = 2, StartingAfter = first.Data[^1].Id });

        Assert.Equal([created[2], created[1]], first.Data.Select(c => c.Id));
        Assert.True(first.HasMore);
        Assert.Equal([created[0]], second.Data.Select(c => c.Id));
        Assert.False(second.HasMore);
    }

    [Fact]
    public async Task Wrong_api_key_is_refused_with_401()
    {
        var error = await Assert.ThrowsAsync<StripeException>(() => sim.Client("sk_test_not_the_sim_key").V1.Customers.CreateAsync(new CustomerCreateOptions()));

        Assert.Equal(HttpStatusCode.Unauthorized, error.HttpStatusCode);
        Assert.Equal("invalid_request_error", error.StripeError.Type);
        Assert.StartsWith("Invalid API Key provided: sk_test_", error.StripeError.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not_the_sim", error.StripeError.Message, StringComparison.Ordinal);
    }
}
