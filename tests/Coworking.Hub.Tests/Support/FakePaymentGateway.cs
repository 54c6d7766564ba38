using System.Collections.Concurrent;
using Coworking.Hub.Billing;

namespace Coworking.Hub.Tests.Support;

/// <summary>
/// A payment gateway that answers at once by Stripe's test payment methods: "pm_card_visa" pays,
/// "pm_card_chargeDeclined" is declined (card_declined), "pm_card_pending" leaves the outcome to a webhook. Each
/// idempotency key charges once, as at Stripe; <see cref="Charges"/> counts the calls per key.
/// </summary>
public sealed class FakePaymentGateway : IPaymentGateway
{
    public const string GoodCard = "pm_card_visa";
    public const string DecliningCard = "pm_card_chargeDeclined";
    public const string PendingCard = "pm_card_pending";

    private readonly ConcurrentDictionary<string, ChargeOutcome> outcomes = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, int> Charges { get; } = new(StringComparer.Ordinal);

    public bool IsConfigured => true;

    public Task<string> CreateCustomerAsync(Guid memberId, string name, string email, CancellationToken cancellationToken) =>
        Task.FromResult($"cus_{memberId:N}");

    public Task<Uri> CreateCardSetupAsync(string customerId, Guid memberId, Uri returnUrl, CancellationToken cancellationToken) =>
        Task.FromResult(new Uri($"https://checkout.stripe.test/c/pay/cs_test_{customerId}"));

    /// <summary>The default card set per customer, as Stripe would show it.</summary>
    public ConcurrentDictionary<string, string> DefaultCards { get; } = new(StringComparer.Ordinal);

    public Task SetDefaultCardAsync(string customerId, string paymentMethodId, CancellationToken cancellationToken)
    {
        DefaultCards[customerId] = paymentMethodId;
        return Task.CompletedTask;
    }

    public Task<ChargeOutcome> ChargeAsync(
        string customerId, string paymentMethodId, Money amount, Guid invoiceId, int attempt, string description, string idempotencyKey, CancellationToken cancellationToken)
    {
        Charges.AddOrUpdate(idempotencyKey, 1, (_, n) => n + 1);
        return Task.FromResult(outcomes.GetOrAdd(idempotencyKey, key => paymentMethodId switch
        {
            GoodCard => new ChargeOutcome($"pi_{Guid.NewGuid():N}", ChargeStatus.Succeeded, null, amount.Minor, amount.Currency.ToLowerInvariant()),
            PendingCard => new ChargeOutcome($"pi_{Guid.NewGuid():N}", ChargeStatus.Pending, null, amount.Minor, amount.Currency.ToLowerInvariant()),
            _ => new ChargeOutcome($"pi_{Guid.NewGuid():N}", ChargeStatus.Failed, "card_declined", amount.Minor, amount.Currency.ToLowerInvariant()),
        }));
    }
}
