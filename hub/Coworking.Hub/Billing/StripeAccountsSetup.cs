using Microsoft.AspNetCore.DataProtection;

namespace Coworking.Hub.Billing;

/// <summary>Wires organisations' own Stripe accounts, their payment issues, and the Data Protection key ring that guards their keys.</summary>
internal static class StripeAccountsSetup
{
    /// <summary>
    /// DataProtection:KeyDirectory is where the key ring lives (outside the database; every hub instance must share it, and
    /// losing it loses the stored Stripe keys, which organisation admins then set again). Unset, ASP.NET Core's default
    /// directory for the user is used (~/.aspnet/DataProtection-Keys).
    /// </summary>
    public static IServiceCollection AddStripeAccounts(this IServiceCollection services, IConfiguration configuration)
    {
        var keys = services.AddDataProtection().SetApplicationName("coworking-hub");
        if (configuration["DataProtection:KeyDirectory"] is { Length: > 0 } directory)
        {
            keys.PersistKeysToFileSystem(Directory.CreateDirectory(directory));
        }

        services.AddSingleton<StripeAccounts>();
        services.AddSingleton<PaymentIssues>();
        return services;
    }
}
