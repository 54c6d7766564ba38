using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Coworking.Sim.Tests.Support;
using Stripe;

namespace Coworking.Sim.Tests.StripeSim;

/// <summary>Webhooks as the hub's endpoint will see them: signed like Stripe, verified by Stripe.net, retried on failure.</summary>
public class WebhookDeliveryTests(StripeSimHost sim) : IClassFixture<StripeSimHost>
{
    [Fact]
    public async Task Webhook_verifies_with_stripe_net_and_the_endpoint_secret_and_fails_with_another_secret()
    {
        await using var receiver = await WebhookReceiver.StartAsync(sim);
        var customer = await sim.Client().V1.Customers.CreateAsync(new CustomerCreateOptions { Email = "hook@example.test" });

        var webhook = await receiver.NextAsync(w => w.Type == "customer.created" && w.ObjectId == customer.Id);
        var verified = EventUtility.ConstructEvent(webhook.Body, webhook.Signature, receiver.Secret);
        var forged = Assert.Throws<StripeException>(() => EventUtility.ConstructEvent(webhook.Body, webhook.Signature, "whsec_someoneelse0000000000"));
        var tampered = Assert.Throws<StripeException>(() =>
            EventUtility.ConstructEvent(webhook.Body.Replace("hook@example.test", "evil@example.test", StringComparison.Ordinal), webhook.Signature, receiver.Secret));

        Assert.Equal("application/json; charset=utf-8", webhook.ContentType);
        Assert.Matches("^t=[0-9]+,v1=[0-9a-f]{64}$", webhook.Signature);
        Assert.Equal("customer.created", verified.Type);
        Assert.Equal(customer.Id, ((Customer)verified.Data.Object).Id);
        Assert.Equal("hook@example.test", ((Customer)verified.Data.Object).Email);
        Assert.StartsWith("evt_", verified.Id, StringComparison.Ordinal);
        Assert.Contains("expected signature", forged.Message, StringComparison.Ordinal);
        Assert.Contains("expected signature", tampered.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Declined_payment_webhooks_carry_the_failed_intent_and_charge_in_order_of_happening()
    {
        await using var receiver = await WebhookReceiver.StartAsync(sim);
        var (customer, card) = await sim.CustomerWithCardAsync("4000000000000341");
        await Assert.ThrowsAsync<StripeException>(() => sim.Client().V1.PaymentIntents.CreateAsync(new PaymentIntentCreateOptions
        {
            Amount = 9_900, Currency = "eur", Customer = customer.Id, PaymentMethod = card, OffSession = true, Confirm = true,
        }));

        var failed = await receiver.NextAsync(w => w.Type == "payment_intent.payment_failed");
        var intent = (PaymentIntent)EventUtility.ConstructEvent(failed.Body, failed.Signature, receiver.Secret).Data.Object;
        var chargeWebhook = await sim.Client().V1.Events.ListAsync(new EventListOptions { Type = "charge.failed", Limit = 1 });
        var charge = (Charge)chargeWebhook.Data.Single().Data.Object;

        Assert.Equal(customer.Id, intent.CustomerId);
        Assert.Equal("requires_payment_method", intent.Status);
        Assert.Equal("card_declined", intent.LastPaymentError.Code);
        Assert.Equal("generic_decline", intent.LastPaymentError.DeclineCode);
        Assert.Equal(card, intent.LastPaymentError.PaymentMethod.Id);
        Assert.Equal(intent.LatestChargeId, charge.Id);
        Assert.Equal(intent.Id, charge.PaymentIntentId);
        Assert.Equal("card_declined", charge.FailureCode);
    }

    [Fact]
    public async Task Receiver_answering_500_gets_the_same_event_again_with_growing_delays_until_attempts_run_out()
    {
        await using var receiver = await WebhookReceiver.StartAsync(sim, _ => HttpStatusCode.InternalServerError);
        var customer = await sim.Client().V1.Customers.CreateAsync(new CustomerCreateOptions { Email = "retry@example.test" });

        var first = await receiver.NextAsync(w => w.ObjectId == customer.Id);
        var second = await receiver.NextAsync(w => w.EventId == first.EventId);
        var third = await receiver.NextAsync(w => w.EventId == first.EventId);
        var attempts = await AttemptsAsync(sim, first.EventId, receiver.EndpointId, count: 3);

        Assert.Equal([1, 2, 3], attempts.Select(a => a.GetProperty("attempt").GetInt32()));
        Assert.All(attempts, a => Assert.Equal(500, a.GetProperty("status").GetInt32()));
        Assert.All(attempts, a => Assert.False(a.GetProperty("succeeded").GetBoolean()));
        Assert.Equal(JsonValueKind.String, attempts[0].GetProperty("nextAttemptAt").ValueKind);
        Assert.Equal(JsonValueKind.Null, attempts[2].GetProperty("nextAttemptAt").ValueKind);
        Assert.Equal([50L, 100L, null], attempts.Select(a => a.GetProperty("retryInMs").ValueKind == JsonValueKind.Null ? (long?)null : a.GetProperty("retryInMs").GetInt64()));
        Assert.Equal(first.Body, third.Body);
        EventUtility.ValidateSignature(second.Body, second.Signature, receiver.Secret);
    }

    [Fact]
    public async Task Receiver_that_recovers_is_not_sent_the_event_again()
    {
        await using var receiver = await WebhookReceiver.StartAsync(sim, n => n == 1 ? HttpStatusCode.ServiceUnavailable : HttpStatusCode.OK);
        var customer = await sim.Client().V1.Customers.CreateAsync(new CustomerCreateOptions());

        var first = await receiver.NextAsync(w => w.ObjectId == customer.Id);
        await receiver.NextAsync(w => w.EventId == first.EventId);
        var attempts = await AttemptsAsync(sim, first.EventId, receiver.EndpointId, count: 2);

        Assert.Equal([503, 200], attempts.Select(a => a.GetProperty("status").GetInt32()));
        Assert.True(attempts[1].GetProperty("succeeded").GetBoolean());
    }

    [Fact]
    public async Task Receiver_that_does_not_answer_in_time_counts_as_failed_and_gets_the_event_again()
    {
        var quick = new StripeSimHost { WebhookTimeoutMs = 100 };
        await quick.InitializeAsync();
        try
        {
            await using var receiver = await WebhookReceiver.StartAsync(quick, stall: n => n == 1 ? TimeSpan.FromSeconds(2) : TimeSpan.Zero);
            var customer = await quick.Client().V1.Customers.CreateAsync(new CustomerCreateOptions());

            var first = await receiver.NextAsync(w => w.ObjectId == customer.Id);
            await receiver.NextAsync(w => w.EventId == first.EventId);
            var attempts = await AttemptsAsync(quick, first.EventId, receiver.EndpointId, count: 2);

            Assert.Equal(JsonValueKind.Null, attempts[0].GetProperty("status").ValueKind);
            Assert.Equal("timed out after 100 ms", attempts[0].GetProperty("error").GetString());
            Assert.Equal(200, attempts[1].GetProperty("status").GetInt32());
        }
        finally
        {
            await quick.DisposeAsync();
        }
    }

    [Fact]
    public async Task Held_events_go_out_in_the_order_asked_and_as_often_as_asked()
    {
        await using var receiver = await WebhookReceiver.StartAsync(sim, paused: true);
        var (customer, card) = await sim.CustomerWithCardAsync("4000000000000341");
        await Assert.ThrowsAsync<StripeException>(() => sim.Client().V1.PaymentIntents.CreateAsync(new PaymentIntentCreateOptions
        {
            Amount = 1_000, Currency = "eur", Customer = customer.Id, PaymentMethod = card, OffSession = true, Confirm = true,
        }));
        var events = await sim.Client().V1.Events.ListAsync(new EventListOptions { Types = ["checkout.session.completed", "payment_intent.payment_failed"], Limit = 2 });
        var failed = events.Data.Single(e => e.Type == "payment_intent.payment_failed").Id;
        var completed = events.Data.Single(e => e.Type == "checkout.session.completed").Id;

        var held = await sim.Http.GetFromJsonAsync<JsonElement>($"/stripe/webhooks/{receiver.EndpointId}");
        using var sent = await sim.Http.PostAsJsonAsync("/stripe/deliveries", new { endpointId = receiver.EndpointId, eventIds = new[] { failed, completed }, repeat = 3 });
        var order = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            order.Add((await receiver.NextAsync(_ => true)).EventId);
        }

        var after = await sim.Http.GetFromJsonAsync<JsonElement>($"/stripe/webhooks/{receiver.EndpointId}");

        Assert.True(held.GetProperty("paused").GetBoolean());
        Assert.Contains(failed, held.GetProperty("pendingEvents").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(HttpStatusCode.OK, sent.StatusCode);
        Assert.Equal([failed, failed, failed, completed, completed, completed], order);
        Assert.DoesNotContain(failed, after.GetProperty("pendingEvents").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Fired_event_carries_the_object_as_it_is_now()
    {
        await using var receiver = await WebhookReceiver.StartAsync(sim);
        var customer = await sim.Client().V1.Customers.CreateAsync(new CustomerCreateOptions { Name = "Fired" });

        using var fired = await sim.Http.PostAsJsonAsync("/stripe/events", new { type = "customer.updated", objectId = customer.Id });
        var firedEvent = await fired.Content.ReadFromJsonAsync<JsonElement>();
        var webhook = await receiver.NextAsync(w => w.EventId == firedEvent.GetProperty("id").GetString());
        using var unknown = await sim.Http.PostAsJsonAsync("/stripe/events", new { type = "customer.updated", objectId = "cus_nobody" });

        Assert.Equal("customer.updated", webhook.Type);
        Assert.Equal(customer.Id, webhook.ObjectId);
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
    }

    private static async Task<List<JsonElement>> AttemptsAsync(StripeSimHost sim, string eventId, string endpointId, int count)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (true)
        {
            var attempts = await sim.Http.GetFromJsonAsync<List<JsonElement>>($"/stripe/deliveries?eventId={eventId}&endpointId={endpointId}", timeout.Token);
            if (attempts!.Count >= count)
            {
                return attempts;
            }

            await Task.Delay(20, timeout.Token);
        }
    }
}
