using System.Security.Cryptography;
using System.Text;
using Coworking.Hub.Billing;
using Microsoft.Extensions.DependencyInjection;

namespace Coworking.Hub.Tests.Support;

/// <summary>
/// The real hub on a fake clock (<see cref="ClockedHubFixture"/>) with card payments through a <see cref="FakePaymentGateway"/> and
/// Stripe's webhook secret set, so tests can sign events as Stripe does. One per test class.
/// </summary>
public class BillingHubFixture : ClockedHubFixture
{
    public const string WebhookSecret = "whsec_test_billing_fixture";

    public FakePaymentGateway Gateway { get; } = new();

    protected override IReadOnlyList<string> MoreSettings =>
        [$"--Stripe:WebhookSecret={WebhookSecret}", "--Billing:PortalBaseUrl=https://portal.coworking.test/"];

    protected override void AddServices(IServiceCollection services) => services.AddSingleton<IPaymentGateway>(Gateway);

    /// <summary>Signs <paramref name="payload"/> as Stripe does: HMAC-SHA256 over "t.payload" with the endpoint secret.</summary>
    public static string Sign(string payload, DateTimeOffset at, string secret = WebhookSecret)
    {
        var t = at.ToUnixTimeSeconds();
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{t}.{payload}"));
        return $"t={t},v1={Convert.ToHexStringLower(mac)}";
    }

    /// <summary>Delivers an event to the webhook endpoint, signed at the fake clock's now unless told otherwise.</summary>
    public async Task<HttpResponseMessage> DeliverAsync(string payload, string? signature = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/webhooks/stripe")
        {
            Content = new StringContent(payload, Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("Stripe-Signature", signature ?? Sign(payload, Time.GetUtcNow()));
        using var anonymous = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        return await anonymous.SendAsync(request);
    }
}
