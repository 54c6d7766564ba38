namespace Coworking.Hub.Billing;

/// <summary>Wires organisations' own Stripe accounts, their payment issues, and the Data Protection key ring that guards their keys.</summary>
internal static class StripeAccountsSetup
{
    /// <summary>
    /// The keys are protected with the hub's one Data Protection key ring (Auth/IdentitySetup: DataProtection:KeyDirectory,
    /// outside the database; losing it loses the stored Stripe keys, which organisation admins then set again).
    /// </summary>
    public static IServiceCollection AddStripeAccounts(this IServiceCollection services)
    {
        services.AddSingleton<StripeAccounts>();
        services.AddSingleton<PaymentIssues>();
        return services;
    }
}
