using Coworking.Hub.Auth;
using Coworking.Hub.Locations;
using Coworking.Hub.Tiers;
using Dapper;
using Npgsql;

namespace Coworking.Hub.Billing;

public sealed record TaxRateResponse(Guid LocationId, string Name, int PartsPerMillion, bool Inclusive);

public sealed record TierPriceResponse(Guid TierId, string Code, string Name, long UnitPriceMinor, string Currency);

/// <summary>An add-on bought by (or for) a member, posted to the ledger for the next invoice.</summary>
public sealed record ChargeResponse(Guid MemberId, string Code, string Description, int Quantity, long UnitAmountMinor, string Currency, DateTimeOffset BillAfter);

internal enum CatalogWrite
{
    Done,
    NotFound,
    NoMembership,
    NoPrice,
}

/// <summary>
/// What billing charges with: the tax rate of each location's jurisdiction, the add-on prices of each tier, and
/// add-ons sold to members (posted to the ledger at the member's tier price, invoiced with the next period).
/// </summary>
internal sealed class BillingCatalogStore(Database.TenantDataSource db, TimeProvider time)
{
    public async Task<TaxRateResponse?> GetTaxRateAsync(Caller caller, Guid locationId, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        return await conn.QuerySingleOrDefaultAsync<TaxRateResponse>(new CommandDefinition(
            """
            SELECT t.location_id AS locationid, t.name, t.parts_per_million AS partspermillion, t.inclusive
            FROM location_tax_rates t JOIN locations l ON l.id = t.location_id
            WHERE t.location_id = @locationId AND l.organisation_id = @organisationId
            """,
            new { locationId, organisationId = caller.OrganisationId },
            cancellationToken: cancellationToken));
    }

    public async Task<TaxRateResponse?> SetTaxRateAsync(Caller caller, Guid locationId, string name, int partsPerMillion, bool inclusive, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var written = await conn.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO location_tax_rates (location_id, name, parts_per_million, inclusive, updated_at)
            SELECT id, @name, @partsPerMillion, @inclusive, @now FROM locations WHERE id = @locationId AND organisation_id = @organisationId
            ON CONFLICT (location_id) DO UPDATE SET name = excluded.name, parts_per_million = excluded.parts_per_million,
                inclusive = excluded.inclusive, updated_at = excluded.updated_at
            """,
            new { locationId, organisationId = caller.OrganisationId, name, partsPerMillion, inclusive, now = time.GetUtcNow() },
            cancellationToken: cancellationToken));
        return written == 1 ? new TaxRateResponse(locationId, name, partsPerMillion, inclusive) : null;
    }

    public async Task<IReadOnlyList<TierPriceResponse>?> ListPricesAsync(Caller caller, Guid tierId, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        if (!await TierExistsAsync(conn, caller, tierId, cancellationToken))
        {
            return null;
        }

        return [.. await conn.QueryAsync<TierPriceResponse>(new CommandDefinition(
            """
            SELECT tier_id AS tierid, code, name, unit_price_minor AS unitpriceminor, currency::text AS currency
            FROM tier_prices WHERE tier_id = @tierId ORDER BY code
            """,
            new { tierId },
            cancellationToken: cancellationToken))];
    }

    public async Task<TierPriceResponse?> SetPriceAsync(Caller caller, Guid tierId, string code, string name, long unitPriceMinor, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var currency = await conn.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
            "SELECT terms->>'currency' FROM tiers WHERE id = @tierId AND organisation_id = @organisationId",
            new { tierId, organisationId = caller.OrganisationId },
            cancellationToken: cancellationToken));
        if (currency is null)
        {
            return null;
        }

        await conn.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO tier_prices (tier_id, code, name, unit_price_minor, currency, updated_at) VALUES (@tierId, @code, @name, @unitPriceMinor, @currency, @now)
            ON CONFLICT (tier_id, code) DO UPDATE SET name = excluded.name, unit_price_minor = excluded.unit_price_minor,
                currency = excluded.currency, updated_at = excluded.updated_at
            """,
            new { tierId, code, name, unitPriceMinor, currency, now = time.GetUtcNow() },
            cancellationToken: cancellationToken));
        return new TierPriceResponse(tierId, code, name, unitPriceMinor, currency);
    }

    /// <summary>
    /// Sells <paramref name="quantity"/> of an add-on to a member at their tier's price, billed with the invoice at
    /// the end of the current period (at once for a member without a period running).
    /// </summary>
    public async Task<(CatalogWrite Outcome, ChargeResponse? Charge)> ChargeAsync(
        Caller caller, Guid memberId, string code, int quantity, Guid requestId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        var member = await conn.QuerySingleOrDefaultAsync<(Guid OrganisationId, Guid? Home, Guid? TierId, DateTimeOffset? PeriodEnd, string? Zone)?>(new CommandDefinition(
            """
            SELECT m.organisation_id, m.home_location_id, ms.tier_id, ms.period_end, l.time_zone
            FROM members m LEFT JOIN memberships ms ON ms.member_id = m.id LEFT JOIN locations l ON l.id = m.home_location_id
            WHERE m.id = @memberId AND m.organisation_id = @organisationId
            FOR UPDATE OF m
            """,
            new { memberId, organisationId = caller.OrganisationId },
            tx,
            cancellationToken: cancellationToken));
        if (member is not { } found || !caller.Covers(found.Home))
        {
            return (CatalogWrite.NotFound, null);
        }

        if (found.TierId is not { } tierId)
        {
            return (CatalogWrite.NoMembership, null);
        }

        if (await MembershipLedger.PriceAsync(conn, tx, tierId, code, cancellationToken) is not { } price)
        {
            return (CatalogWrite.NoPrice, null);
        }

        var billAfter = found.PeriodEnd is { } end && end > now ? end : now;
        var today = ZoneTime.DateOf(now, ZoneTime.Zone(found.Zone ?? "Etc/UTC"));
        var description = $"{price.Name}, {today.ToString("d MMM yyyy", System.Globalization.CultureInfo.InvariantCulture)}";
        await Ledger.PostAsync(conn, tx, new LedgerPosting(
            found.OrganisationId, memberId, found.Home, LedgerKind.AddOn, description, quantity, price.Price, today, today.AddDays(1),
            $"add-on:{requestId}", billAfter), now, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return (CatalogWrite.Done, new ChargeResponse(memberId, code, description, quantity, price.Price.Minor, price.Price.Currency, billAfter));
    }

    private static Task<bool> TierExistsAsync(NpgsqlConnection conn, Caller caller, Guid tierId, CancellationToken cancellationToken) =>
        conn.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT EXISTS (SELECT 1 FROM tiers WHERE id = @tierId AND organisation_id = @organisationId)",
            new { tierId, organisationId = caller.OrganisationId },
            cancellationToken: cancellationToken));
}
