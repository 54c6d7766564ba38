using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Coworking.Sim.Tests.Support;
using Stripe;

namespace Coworking.Sim.Tests.StripeSim;

/// <summary>A demo restart: with a state path, customers, saved cards and registered endpoints survive.</summary>
public class StripeStateTests
{
    [Fact]
    public async Task Customers_cards_and_registered_endpoints_survive_a_restart_with_a_state_file()
    {
        var statePath = Path.Combine(Path.GetTempPath(), $"sim-stripe-state-{Guid.NewGuid():N}", "stripe.json");
        var first = new StripeSimHost { StatePath = statePath };
        var second = new StripeSimHost { StatePath = statePath };
        try
        {
            await first.InitializeAsync();
            var (customer, card) = await first.CustomerWithCardAsync("4242424242424242");
            using var registered = await first.Http.PostAsJsonAsync("/stripe/webhooks", new { url = "http://127.0.0.1:9/hub", secret = "whsec_keepmeacrossrestarts" });
            await first.DisposeAsync();

            await second.InitializeAsync();
            var again = await second.Client().V1.Customers.GetAsync(customer.Id);
            var endpoints = await second.Http.GetFromJsonAsync<List<JsonElement>>("/stripe/webhooks");
            var events = await second.Client().V1.Events.ListAsync(new EventListOptions { Type = "checkout.session.completed" });

            Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
            Assert.Equal(card, again.InvoiceSettings.DefaultPaymentMethodId);
            Assert.Equal("http://127.0.0.1:9/hub", Assert.Single(endpoints!).GetProperty("url").GetString());
            Assert.Single(events.Data);
            Assert.DoesNotContain("4242424242424242", await System.IO.File.ReadAllTextAsync(statePath), StringComparison.Ordinal);
        }
        finally
        {
            await second.DisposeAsync();
            Directory.Delete(Path.GetDirectoryName(statePath)!, recursive: true);
        }
    }
}
