using Dapper;
using Npgsql;

namespace Coworking.Hub.Billing;

/// <summary>
/// The link a member follows to save a new card: a Stripe Checkout page in setup mode, or the portal's billing page when
/// Stripe is not configured, the member has no customer yet, or Stripe cannot make one now. The failed-payment e-mail
/// asks for it when it is composed, so a message sent late still carries a fresh page.
/// </summary>
internal sealed partial class CardSetupLinks(Database.TenantDataSource db, StripeAccounts accounts, BillingOptions options, ILogger<CardSetupLinks> logger)
{
    public async Task<Uri> UpdateCardLinkAsync(Guid memberId, CancellationToken cancellationToken)
    {
        var portal = new Uri(options.PortalBaseUrl, "portal/billing");
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var customer = await conn.QuerySingleOrDefaultAsync<(Guid OrganisationId, string? Customer)?>(new CommandDefinition(
            "SELECT m.organisation_id, bc.stripe_customer_id FROM billing_customers bc JOIN members m ON m.id = bc.member_id WHERE bc.member_id = @memberId",
            new { memberId },
            cancellationToken: cancellationToken));
        if (customer is not { Customer: { } customerId } found || await accounts.ForOrganisationAsync(found.OrganisationId, cancellationToken) is not { } account)
        {
            return portal;
        }

        try
        {
            return await account.Gateway.CreateCardSetupAsync(customerId, memberId, portal, cancellationToken);
        }
        catch (Stripe.StripeException e)
        {
            LogSetupFailed(logger, memberId, e);
            return portal;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not make a card setup page for member {MemberId}; linking the portal")]
    private static partial void LogSetupFailed(ILogger logger, Guid memberId, Exception exception);
}
