using System.Collections.Concurrent;
using System.Security.Cryptography;
using Coworking.Hub.Auth;
using Coworking.Hub.Database;
using Dapper;
using Microsoft.AspNetCore.DataProtection;
using Npgsql;

namespace Coworking.Hub.Billing;

/// <summary>Which Stripe account a card attempt went through: the hub-wide one (Stripe:*) or the organisation's own.</summary>
internal enum StripeAccountKind
{
    Hub,
    Organisation,
}

/// <summary>A Stripe account the hub charges through, and the secret its webhooks are signed with.</summary>
internal sealed record StripeAccount(StripeAccountKind Kind, IPaymentGateway Gateway, string? WebhookSecret);

/// <summary>What an organisation admin sets: the account's keys, never shown back, and (for the simulator) its API base.</summary>
public sealed record StripeAccountRequest(string? SecretKey, string? WebhookSecret, string? PublishableKey, Uri? ApiBase = null);

/// <summary>
/// Where the organisation's card payments go: <c>organisation</c> (its own account, webhooks to <see cref="WebhookPath"/>),
/// <c>hub</c> (the hub-wide account the hub's operator configured) or <c>none</c>. The keys are never answered.
/// </summary>
public sealed record StripeAccountResponse(string Account, string WebhookPath, Uri? ApiBase, DateTimeOffset? UpdatedAt);

/// <summary>
/// Each organisation's own Stripe account, its keys kept as ASP.NET Core Data Protection payloads (the key ring is outside
/// the database: DataProtection:KeyDirectory), and the hub-wide account (Stripe:SecretKey, Stripe:WebhookSecret) as the
/// fallback for organisations without one. Gateways are kept per organisation and made again when its keys change, which
/// every instance notices by the row's updated_at.
/// </summary>
internal sealed class StripeAccounts(TenantDataSource db, IDataProtectionProvider protection, IPaymentGateway hubGateway, StripeOptions options, TimeProvider time)
{
    private readonly IDataProtector protector = protection.CreateProtector("Coworking.Hub.Billing.StripeAccounts.v1");
    private readonly ConcurrentDictionary<Guid, (DateTimeOffset UpdatedAt, StripeAccount Account)> own = new();

    /// <summary>The hub-wide account's webhook secret (Stripe:WebhookSecret), for events at /webhooks/stripe.</summary>
    public string? HubWebhookSecret => options.WebhookSecret;

    public IPaymentGateway HubGateway => hubGateway;

    public static string WebhookPathOf(Guid organisationId) => $"/api/v1/webhooks/stripe/{organisationId}";

    /// <summary>The account an organisation's card payments go through: its own, else the hub-wide one, else none.</summary>
    public async Task<StripeAccount?> ForOrganisationAsync(Guid organisationId, CancellationToken cancellationToken) =>
        await OwnAsync(organisationId, cancellationToken)
        ?? (hubGateway.IsConfigured ? new StripeAccount(StripeAccountKind.Hub, hubGateway, options.WebhookSecret) : null);

    /// <summary>The organisation's own account, or null when it has none.</summary>
    public async Task<StripeAccount?> OwnAsync(Guid organisationId, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var row = await conn.QuerySingleOrDefaultAsync<AccountRow>(new CommandDefinition(
            """
            SELECT secret_key_protected, webhook_secret_protected, api_base, updated_at
            FROM organisation_stripe_accounts WHERE organisation_id = @organisationId
            """,
            new { organisationId },
            cancellationToken: cancellationToken));
        if (row is null)
        {
            own.TryRemove(organisationId, out _);
            return null;
        }

        if (own.TryGetValue(organisationId, out var cached) && cached.UpdatedAt == row.UpdatedAt)
        {
            return cached.Account;
        }

        var secretKey = protector.Unprotect(row.SecretKeyProtected);
        var webhookSecret = protector.Unprotect(row.WebhookSecretProtected);
        var account = new StripeAccount(
            StripeAccountKind.Organisation, new StripePaymentGateway(new StripeOptions(secretKey, row.ApiBase, webhookSecret)), webhookSecret);
        own[organisationId] = (row.UpdatedAt, account);
        return account;
    }

    public async Task<StripeAccountResponse> DescribeAsync(Guid organisationId, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var row = await conn.QuerySingleOrDefaultAsync<(string? ApiBase, DateTimeOffset UpdatedAt)?>(new CommandDefinition(
            "SELECT api_base, updated_at FROM organisation_stripe_accounts WHERE organisation_id = @organisationId",
            new { organisationId },
            cancellationToken: cancellationToken));
        return row is { } found
            ? new StripeAccountResponse("organisation", WebhookPathOf(organisationId), found.ApiBase is null ? null : new Uri(found.ApiBase), found.UpdatedAt)
            : new StripeAccountResponse(hubGateway.IsConfigured ? "hub" : "none", "/api/v1/webhooks/stripe", null, null);
    }

    /// <summary>
    /// Sets the organisation's own account. Customers and saved cards made in another account do not exist in this one, so
    /// when the secret key changes the organisation's members are asked for their card again (their customers are forgotten;
    /// their dunning state stays).
    /// </summary>
    public async Task<StripeAccountResponse> SetAsync(Caller caller, StripeAccountRequest request, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        var previous = await conn.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
            "SELECT secret_key_protected FROM organisation_stripe_accounts WHERE organisation_id = @organisationId FOR UPDATE",
            new { organisationId = caller.OrganisationId },
            tx,
            cancellationToken: cancellationToken));
        var sameAccount = previous is not null && SameKey(protector.Unprotect(previous), request.SecretKey!);
        await conn.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO organisation_stripe_accounts
                (organisation_id, secret_key_protected, webhook_secret_protected, publishable_key_protected, api_base, updated_at, updated_by_kind, updated_by_id)
            VALUES (@organisationId, @secretKey, @webhookSecret, @publishableKey, @apiBase, @now, @actorKind, @actorId)
            ON CONFLICT (organisation_id) DO UPDATE SET
                secret_key_protected = excluded.secret_key_protected, webhook_secret_protected = excluded.webhook_secret_protected,
                publishable_key_protected = excluded.publishable_key_protected, api_base = excluded.api_base,
                updated_at = excluded.updated_at, updated_by_kind = excluded.updated_by_kind, updated_by_id = excluded.updated_by_id
            """,
            new
            {
                organisationId = caller.OrganisationId,
                secretKey = protector.Protect(request.SecretKey!),
                webhookSecret = protector.Protect(request.WebhookSecret!),
                publishableKey = protector.Protect(request.PublishableKey!),
                apiBase = request.ApiBase?.ToString().TrimEnd('/'),
                now,
                actorKind = caller.Actor.Kind.ToDb(),
                actorId = caller.Actor.Id,
            },
            tx,
            cancellationToken: cancellationToken));
        if (!sameAccount)
        {
            await ForgetCustomersAsync(conn, tx, caller.OrganisationId, cancellationToken);
        }

        await tx.CommitAsync(cancellationToken);
        return await DescribeAsync(caller.OrganisationId, cancellationToken);
    }

    /// <summary>Removes the organisation's own account; its payments go through the hub-wide account again, if there is one.</summary>
    public async Task<bool> RemoveAsync(Caller caller, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        var removed = await conn.ExecuteAsync(new CommandDefinition(
            "DELETE FROM organisation_stripe_accounts WHERE organisation_id = @organisationId",
            new { organisationId = caller.OrganisationId },
            tx,
            cancellationToken: cancellationToken));
        if (removed > 0)
        {
            await ForgetCustomersAsync(conn, tx, caller.OrganisationId, cancellationToken);
        }

        await tx.CommitAsync(cancellationToken);
        own.TryRemove(caller.OrganisationId, out _);
        return removed > 0;
    }

    private static Task ForgetCustomersAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid organisationId, CancellationToken cancellationToken) =>
        conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE billing_customers bc SET stripe_customer_id = NULL, payment_method_id = NULL, payment_method_at = NULL, updated_at = now()
            FROM members m WHERE m.id = bc.member_id AND m.organisation_id = @organisationId
            """,
            new { organisationId },
            tx,
            cancellationToken: cancellationToken));

    private static bool SameKey(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(System.Text.Encoding.UTF8.GetBytes(a), System.Text.Encoding.UTF8.GetBytes(b));

    private sealed record AccountRow
    {
        public string SecretKeyProtected { get; init; } = string.Empty;

        public string WebhookSecretProtected { get; init; } = string.Empty;

        public string? ApiBase { get; init; }

        public DateTimeOffset UpdatedAt { get; init; }
    }
}
