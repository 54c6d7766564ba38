using System.Text.Json;
using System.Text.Json.Nodes;
using Coworking.Hub.Access;
using Dapper;
using Npgsql;

namespace Coworking.Hub.Tiers;

/// <summary>
/// A tier; <see cref="LocationId"/> is set when <see cref="Terms"/> are those in force at that location, and
/// <see cref="OverriddenAt"/> lists the locations whose override changes them.
/// </summary>
public sealed record TierResponse(
    Guid Id, string Name, TierTerms Terms, Guid? LocationId, IReadOnlyList<Guid> OverriddenAt, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>A tier's terms in force at one location, for rules and grants.</summary>
internal sealed record EffectiveTier(Guid Id, string Name, TierTerms Terms);

internal enum TierWrite
{
    Done,
    NotFound,
    NameTaken,
}

internal sealed class TierStore(Database.TenantDataSource db, TimeProvider time)
{
    private const string Select =
        """
        SELECT t.id, t.name, t.terms::text AS terms, o.terms::text AS override, t.created_at, t.updated_at,
               coalesce((SELECT array_agg(location_id ORDER BY location_id) FROM tier_overrides WHERE tier_id = t.id), '{}') AS overridden_at
        FROM tiers t LEFT JOIN tier_overrides o ON o.tier_id = t.id AND o.location_id = @locationId
        """;

    public async Task<(TierWrite Outcome, TierResponse? Tier)> CreateAsync(Guid organisationId, string name, TierTerms terms, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var id = Guid.CreateVersion7(now);
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        try
        {
            await conn.ExecuteAsync(new CommandDefinition(
                "INSERT INTO tiers (id, organisation_id, name, terms, created_at, updated_at) VALUES (@id, @organisationId, @name, @terms::jsonb, @now, @now)",
                new { id, organisationId, name, terms = JsonSerializer.Serialize(terms, TierTerms.Json), now },
                cancellationToken: cancellationToken));
        }
        catch (PostgresException e) when (e is { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: "tiers_name" })
        {
            return (TierWrite.NameTaken, null);
        }

        return (TierWrite.Done, new TierResponse(id, name, terms, null, [], now, now));
    }

    /// <summary>The organisation's tiers by name, with the terms in force at <paramref name="locationId"/> when given.</summary>
    public async Task<IReadOnlyList<TierResponse>> ListAsync(Guid organisationId, Guid? locationId, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var rows = await conn.QueryAsync<TierRow>(new CommandDefinition(
            $"{Select} WHERE t.organisation_id = @organisationId ORDER BY lower(t.name), t.id",
            new { organisationId, locationId },
            cancellationToken: cancellationToken));
        return [.. rows.Select(r => r.ToResponse(locationId))];
    }

    public async Task<TierResponse?> GetAsync(Guid organisationId, Guid id, Guid? locationId, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var row = await conn.QuerySingleOrDefaultAsync<TierRow>(new CommandDefinition(
            $"{Select} WHERE t.organisation_id = @organisationId AND t.id = @id",
            new { organisationId, id, locationId },
            cancellationToken: cancellationToken));
        return row?.ToResponse(locationId);
    }

    /// <summary>The tier's own terms (under no location's override), or null when it is not the organisation's.</summary>
    public async Task<TierTerms?> GetBaseAsync(Guid organisationId, Guid id, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var terms = await conn.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
            "SELECT terms::text FROM tiers WHERE organisation_id = @organisationId AND id = @id",
            new { organisationId, id },
            cancellationToken: cancellationToken));
        return terms is null ? null : JsonSerializer.Deserialize<TierTerms>(terms, TierTerms.Json);
    }

    /// <summary>
    /// Renames a tier or replaces its terms (already checked); the membership grants of its members follow the new
    /// terms (what the tier opens, and when) through the access compiler, in the same transaction.
    /// </summary>
    public async Task<(TierWrite Outcome, TierResponse? Tier)> UpdateAsync(
        Guid organisationId, Guid id, string? name, TierTerms? terms, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        try
        {
            if (await conn.ExecuteAsync(new CommandDefinition(
                """
                UPDATE tiers SET name = coalesce(@name, name), terms = coalesce(@terms::jsonb, terms), updated_at = @now
                WHERE organisation_id = @organisationId AND id = @id
                """,
                new { organisationId, id, name, terms = terms is null ? null : JsonSerializer.Serialize(terms, TierTerms.Json), now },
                tx,
                cancellationToken: cancellationToken)) == 0)
            {
                return (TierWrite.NotFound, null);
            }
        }
        catch (PostgresException e) when (e is { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: "tiers_name" })
        {
            return (TierWrite.NameTaken, null);
        }

        if (terms is not null)
        {
            var members = (await conn.QueryAsync<Guid>(new CommandDefinition(
                "SELECT member_id FROM memberships WHERE tier_id = @id", new { id }, tx, cancellationToken: cancellationToken))).ToList();
            await ChangeLog.AppendAsync(conn, tx, await AccessCompiler.MembersAsync(conn, tx, members, cancellationToken), now, cancellationToken);
        }

        var row = await conn.QuerySingleAsync<TierRow>(new CommandDefinition(
            $"{Select} WHERE t.organisation_id = @organisationId AND t.id = @id",
            new { organisationId, id, locationId = (Guid?)null },
            tx,
            cancellationToken: cancellationToken));
        await tx.CommitAsync(cancellationToken);
        return (TierWrite.Done, row.ToResponse(null));
    }

    /// <summary>The tier's base terms and stored override at a location, to check an override before it is written.</summary>
    public async Task<(TierTerms Base, JsonObject? Override)?> GetForOverrideAsync(Guid organisationId, Guid id, Guid locationId, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var row = await conn.QuerySingleOrDefaultAsync<TierRow>(new CommandDefinition(
            $"{Select} WHERE t.organisation_id = @organisationId AND t.id = @id",
            new { organisationId, id, locationId },
            cancellationToken: cancellationToken));
        return row is null ? null : (row.BaseTerms(), row.Override is null ? null : JsonNode.Parse(row.Override)!.AsObject());
    }

    /// <summary>Replaces the tier's override at a location with <paramref name="terms"/> (already checked).</summary>
    public async Task SetOverrideAsync(Guid id, Guid locationId, JsonObject terms, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await conn.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO tier_overrides (tier_id, location_id, terms, updated_at) VALUES (@id, @locationId, @terms::jsonb, @now)
            ON CONFLICT (tier_id, location_id) DO UPDATE SET terms = excluded.terms, updated_at = excluded.updated_at
            """,
            new { id, locationId, terms = terms.ToJsonString(), now },
            cancellationToken: cancellationToken));
    }

    public async Task<bool> RemoveOverrideAsync(Guid id, Guid locationId, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        return await conn.ExecuteAsync(new CommandDefinition(
            "DELETE FROM tier_overrides WHERE tier_id = @id AND location_id = @locationId",
            new { id, locationId },
            cancellationToken: cancellationToken)) == 1;
    }

    /// <summary>One tier's terms in force at a location, or null when the tier is not the organisation's.</summary>
    internal static async Task<EffectiveTier?> EffectiveAsync(
        NpgsqlConnection conn, NpgsqlTransaction? tx, Guid organisationId, Guid id, Guid locationId, CancellationToken cancellationToken)
    {
        var row = await conn.QuerySingleOrDefaultAsync<TierRow>(new CommandDefinition(
            $"{Select} WHERE t.organisation_id = @organisationId AND t.id = @id",
            new { organisationId, id, locationId },
            tx,
            cancellationToken: cancellationToken));
        return row?.ToEffective();
    }

    /// <summary>Every tier of the organisation with its terms in force at a location, for the upgrade prompt.</summary>
    internal static async Task<IReadOnlyList<EffectiveTier>> AllEffectiveAsync(
        NpgsqlConnection conn, NpgsqlTransaction? tx, Guid organisationId, Guid locationId, CancellationToken cancellationToken)
    {
        var rows = await conn.QueryAsync<TierRow>(new CommandDefinition(
            $"{Select} WHERE t.organisation_id = @organisationId",
            new { organisationId, locationId },
            tx,
            cancellationToken: cancellationToken));
        return [.. rows.Select(r => r.ToEffective())];
    }

    /// <summary>A tier's terms in force from its stored terms and a location's override (null: none), as read with other rows.</summary>
    internal static EffectiveTier Effective(Guid id, string name, string terms, string? locationOverride) =>
        new TierRow { Id = id, Name = name, Terms = terms, Override = locationOverride }.ToEffective();

    private sealed record TierRow
    {
        public Guid Id { get; init; }

        public string Name { get; init; } = string.Empty;

        public string Terms { get; init; } = "{}";

        public string? Override { get; init; }

        public Guid[] OverriddenAt { get; init; } = [];

        public DateTimeOffset CreatedAt { get; init; }

        public DateTimeOffset UpdatedAt { get; init; }

        public TierTerms BaseTerms() => JsonSerializer.Deserialize<TierTerms>(Terms, TierTerms.Json)!;

        /// <summary>The base terms under the override; overrides are checked when written, so they give valid terms.</summary>
        public TierTerms EffectiveTerms() =>
            Override is null
                ? BaseTerms()
                : BaseTerms().With(JsonNode.Parse(Override)!.AsObject()).Validate(new Http.ValidationErrors())
                    ?? throw new InvalidOperationException($"the override of tier {Id} does not give valid terms");

        public EffectiveTier ToEffective() => new(Id, Name, EffectiveTerms());

        public TierResponse ToResponse(Guid? locationId) => new(Id, Name, EffectiveTerms(), locationId, OverriddenAt, CreatedAt, UpdatedAt);
    }
}
