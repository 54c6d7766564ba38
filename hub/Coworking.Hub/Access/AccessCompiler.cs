using System.Text.Json;
using Coworking.Hub.Credentials;
using Coworking.Hub.Database;
using Coworking.Hub.Locations;
using Coworking.Hub.Members;
using Coworking.Hub.Tiers;
using Coworking.Proto.V1;
using Dapper;
using Google.Protobuf;
using Npgsql;

namespace Coworking.Hub.Access;

/// <summary>One thing a location's edges should hold about a holder: the holder, a credential or a grant, as its newest change.</summary>
internal sealed record EdgeEntity(Guid HolderId, Guid LocationId, Change Change)
{
    public string Entity { get; } = ChangeNames.Entity(Change);
}

/// <summary>
/// The one place that decides who may open what (ARCHITECTURE §3, docs/SYNC.md §5). For a holder — a member, a
/// booking's pass, a visitor's pass — it works out from the database the holder, credentials and grants each location's
/// edges should have, compares them with what was last sent (<c>access_sent</c>), and answers only the difference as
/// change-log entries for the caller to append in its own transaction. Stores change bookings, memberships, passes,
/// credentials, doors and payments, then call it; none writes a holder, credential or grant change itself.
/// </summary>
/// <remarks>
/// What goes is removed: a credential no longer live is revoked, a grant no longer due is removed, and a holder with
/// nothing left at a location (a pass that ended or was cancelled, a member who moved) is removed with
/// <see cref="HolderRemoved"/>, after the removals of its credentials and grants, so snapshots and compaction drop them
/// too and an edge cache holds only what is live. Callers hold the holder's row lock (member, booking, visitor) so two
/// compilations of one holder never interleave.
/// </remarks>
internal static class AccessCompiler
{
    /// <summary>Members, and the passes of theirs that are live (a pass follows its member's status).</summary>
    public static async Task<IReadOnlyList<LocationChange>> MembersAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, IReadOnlyCollection<Guid> memberIds, CancellationToken cancellationToken)
    {
        if (memberIds.Count == 0)
        {
            return [];
        }

        var ids = memberIds.Distinct().Order().ToArray();
        var facts = await conn.QueryAsync<MemberFacts>(new CommandDefinition(
            """
            SELECT m.id, m.status AS status_text, m.home_location_id, ms.joined_at,
                   ms.tier_id, t.name AS tier_name, t.terms::text AS tier_terms, ov.terms::text AS tier_override,
                   l.staffed_hours::text AS staffed_hours, coalesce(l.access_grace_days, 0) AS grace_days,
                   (SELECT max(le.service_end)::timestamp AT TIME ZONE l.time_zone
                    FROM ledger_entries le JOIN invoice_collection c ON c.invoice_id = le.invoice_id
                    WHERE le.member_id = m.id AND le.kind = 'plan' AND c.status = 'paid') AS paid_through
            FROM members m
            LEFT JOIN memberships ms ON ms.member_id = m.id
            LEFT JOIN tiers t ON t.id = ms.tier_id
            LEFT JOIN tier_overrides ov ON ov.tier_id = t.id AND ov.location_id = m.home_location_id
            LEFT JOIN locations l ON l.id = m.home_location_id
            WHERE m.id = ANY(@ids)
            ORDER BY m.id
            FOR NO KEY UPDATE OF m
            """,
            new { ids },
            tx,
            cancellationToken: cancellationToken));
        var credentials = (await conn.QueryAsync<CredentialRow>(new CommandDefinition(
            $"SELECT {CredentialRow.Columns} FROM credentials WHERE member_id = ANY(@ids) AND pass_holder_id IS NULL AND revoked_at IS NULL ORDER BY id",
            new { ids },
            tx,
            cancellationToken: cancellationToken))).ToLookup(c => c.MemberId);
        var passIds = (await conn.QueryAsync<Guid>(new CommandDefinition(
            "SELECT DISTINCT pass_holder_id FROM credentials WHERE member_id = ANY(@ids) AND pass_holder_id IS NOT NULL AND revoked_at IS NULL",
            new { ids },
            tx,
            cancellationToken: cancellationToken))).Order().ToArray();
        var desired = facts.SelectMany(m => MemberEntities(m, [.. credentials[m.Id]])).ToList();
        desired.AddRange(await PassEntitiesAsync(conn, tx, passIds, cancellationToken));
        return await ApplyAsync(conn, tx, [.. ids, .. passIds], desired, cancellationToken);
    }

    /// <summary>Booking and visitor passes, by their holder ids (the booking's or the visitor's id).</summary>
    public static async Task<IReadOnlyList<LocationChange>> PassesAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, IReadOnlyCollection<Guid> passIds, CancellationToken cancellationToken)
    {
        if (passIds.Count == 0)
        {
            return [];
        }

        var ids = passIds.Distinct().Order().ToArray();
        return await ApplyAsync(conn, tx, ids, await PassEntitiesAsync(conn, tx, ids, cancellationToken), cancellationToken);
    }

    /// <summary>
    /// The passes of the area's bookings that were sent and have not ended, so a door added, moved or removed there is
    /// added to or withdrawn from their grants (an ended booking's grant has expired at the edges and is left alone).
    /// </summary>
    public static async Task<IReadOnlyList<LocationChange>> PassesOfAreaAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, Guid areaId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var ids = (await conn.QueryAsync<Guid>(new CommandDefinition(
            """
            SELECT b.id FROM bookings b JOIN resources r ON r.id = b.resource_id
            WHERE r.area_id = @areaId AND b.ends_at > @now AND EXISTS (SELECT 1 FROM access_sent s WHERE s.holder_id = b.id)
            """,
            new { areaId, now },
            tx,
            cancellationToken: cancellationToken))).ToList();
        return await PassesAsync(conn, tx, ids, cancellationToken);
    }

    /// <summary>The passes of a resource's bookings that were sent: a removed resource's bookings no longer open anything.</summary>
    public static async Task<IReadOnlyList<LocationChange>> PassesOfResourceAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, Guid resourceId, CancellationToken cancellationToken)
    {
        var ids = (await conn.QueryAsync<Guid>(new CommandDefinition(
            "SELECT b.id FROM bookings b WHERE b.resource_id = @resourceId AND EXISTS (SELECT 1 FROM access_sent s WHERE s.holder_id = b.id)",
            new { resourceId },
            tx,
            cancellationToken: cancellationToken))).ToList();
        return await PassesAsync(conn, tx, ids, cancellationToken);
    }

    /// <summary>
    /// A pass made in the caller's transaction, for which nothing was ever sent: its entries, and the statement that
    /// records them as sent, for a caller that sends its writes in one batch (the booking path, which keeps its two
    /// round trips).
    /// </summary>
    public static (IReadOnlyList<LocationChange> Changes, NpgsqlBatchCommand Record) NewPass(PassFacts pass, IReadOnlyList<CredentialRow> credentials)
    {
        var entities = PassEntities(pass, credentials);
        var command = new NpgsqlBatchCommand(
            """
            INSERT INTO access_sent (holder_id, location_id, entity, payload)
            SELECT * FROM unnest(@holders, @locations, @entities, @payloads::jsonb[])
            """)
        {
            Parameters =
            {
                new NpgsqlParameter<Guid[]>("holders", [.. entities.Select(e => e.HolderId)]),
                new NpgsqlParameter<Guid[]>("locations", [.. entities.Select(e => e.LocationId)]),
                new NpgsqlParameter<string[]>("entities", [.. entities.Select(e => e.Entity)]),
                new NpgsqlParameter<string[]>("payloads", [.. entities.Select(e => JsonFormatter.Default.Format(e.Change))]),
            },
        };
        return ([.. entities.Select(e => new LocationChange(e.LocationId, e.Change))], command);
    }

    /// <summary>
    /// What a member's home location's edges should hold: the holder with its status, its live credentials and, for an
    /// active member whose tier opens doors, the membership grant — all hours or the location's staffed hours, valid from
    /// joining through the end of the paid period plus the location's grace. A member without a membership (never joined
    /// a tier) has no membership grant: nothing is paid, so nothing could end it, and an open-ended grant would admit
    /// them at an offline edge for ever. Such a member opens only what they book.
    /// </summary>
    internal static IEnumerable<EdgeEntity> MemberEntities(MemberFacts member, IReadOnlyList<CredentialRow> credentials)
    {
        if (member.HomeLocationId is not { } home)
        {
            yield break;
        }

        var status = DbText.Parse<MemberStatus>(member.StatusText);
        yield return new EdgeEntity(member.Id, home, Changes.Holder(member.Id, HolderStatusOf(status)));
        foreach (var credential in credentials)
        {
            yield return new EdgeEntity(member.Id, home, credential.ToChange());
        }

        if (status != MemberStatus.Active
            || member is not { TierId: { } tierId, TierName: { } name, TierTerms: { } terms, JoinedAt: { } joined }
            || TierStore.Effective(tierId, name, terms, member.TierOverride).Terms.Access is not ({ } access and not TierAccess.BookingsOnly))
        {
            yield break;
        }

        List<WeeklyWindow>? schedule = null;
        if (access == TierAccess.StaffedHours)
        {
            schedule = [.. (JsonSerializer.Deserialize<StaffedHours>(member.StaffedHours ?? "{}", JsonSerializerOptions.Web) ?? new StaffedHours()).ToWeeklyWindows()];
            if (schedule is [])
            {
                // An empty schedule would mean all hours: a location never staffed gives staffed-hours tiers no grant.
                yield break;
            }
        }

        var validUntil = Max(member.PaidThrough ?? joined, joined).AddDays(member.GraceDays);
        yield return new EdgeEntity(member.Id, home, Changes.MembershipGrant(member.Id, home, joined, validUntil, schedule));
    }

    /// <summary>
    /// What a pass's location should hold while the pass is live (not cancelled, its resource not removed, a credential
    /// not revoked): the holder with its member's status, the credentials and one grant for the pass's doors and window.
    /// </summary>
    internal static IEnumerable<EdgeEntity> PassEntities(PassFacts pass, IReadOnlyList<CredentialRow> credentials)
    {
        if (!pass.Live || credentials.Count == 0)
        {
            yield break;
        }

        yield return new EdgeEntity(pass.Id, pass.LocationId, Changes.Holder(pass.Id, HolderStatusOf(pass.MemberStatus)));
        foreach (var credential in credentials)
        {
            yield return new EdgeEntity(pass.Id, pass.LocationId, credential.ToChange());
        }

        yield return new EdgeEntity(pass.Id, pass.LocationId, Changes.PassGrant(pass.Id, pass.DoorIds, pass.AllDoors, pass.ValidFrom, pass.ValidUntil));
    }

    public static HolderStatus HolderStatusOf(MemberStatus status) => status switch
    {
        MemberStatus.Active => HolderStatus.Active,
        MemberStatus.Paused => HolderStatus.Paused,
        MemberStatus.Suspended => HolderStatus.Suspended,
        MemberStatus.Cancelled => HolderStatus.Cancelled,
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static async Task<IReadOnlyList<EdgeEntity>> PassEntitiesAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, Guid[] ids, CancellationToken cancellationToken)
    {
        if (ids.Length == 0)
        {
            return [];
        }

        await using var batch = new NpgsqlBatch(conn, tx)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand(
                    """
                    SELECT b.id, b.location_id, m.status, b.cancelled_at IS NULL AND r.removed_at IS NULL, b.starts_at, b.ends_at, false, r.area_id
                    FROM bookings b JOIN resources r ON r.id = b.resource_id JOIN members m ON m.id = b.member_id
                    WHERE b.id = ANY(@ids) AND b.kind = 'member'
                    UNION ALL
                    SELECT v.id, v.location_id, m.status, v.cancelled_at IS NULL, v.starts_at, v.ends_at, true, NULL
                    FROM visitors v JOIN members m ON m.id = v.host_member_id
                    WHERE v.id = ANY(@ids)
                    """) { Parameters = { new NpgsqlParameter<Guid[]>("ids", ids) } },
                new NpgsqlBatchCommand(
                    """
                    SELECT d.area_id, d.id FROM doors d
                    WHERE d.removed_at IS NULL AND d.area_id IN (SELECT r.area_id FROM bookings b JOIN resources r ON r.id = b.resource_id WHERE b.id = ANY(@ids))
                    ORDER BY d.id
                    """) { Parameters = { new NpgsqlParameter<Guid[]>("ids", ids) } },
                new NpgsqlBatchCommand($"SELECT {CredentialRow.Columns} FROM credentials WHERE pass_holder_id = ANY(@ids) AND revoked_at IS NULL ORDER BY id")
                {
                    Parameters = { new NpgsqlParameter<Guid[]>("ids", ids) },
                },
            },
        };
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        var rows = new List<(Guid Id, Guid LocationId, string Status, bool Live, DateTimeOffset StartsAt, DateTimeOffset EndsAt, bool Visitor, Guid? AreaId)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add((reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2), reader.GetBoolean(3), reader.GetFieldValue<DateTimeOffset>(4),
                reader.GetFieldValue<DateTimeOffset>(5), reader.GetBoolean(6), reader.IsDBNull(7) ? null : reader.GetGuid(7)));
        }

        await reader.NextResultAsync(cancellationToken);
        var doors = new List<(Guid AreaId, Guid DoorId)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            doors.Add((reader.GetGuid(0), reader.GetGuid(1)));
        }

        await reader.NextResultAsync(cancellationToken);
        var parse = reader.GetRowParser<CredentialRow>();
        var credentials = new List<CredentialRow>();
        while (await reader.ReadAsync(cancellationToken))
        {
            credentials.Add(parse(reader));
        }

        var doorsOf = doors.ToLookup(d => d.AreaId, d => d.DoorId);
        var credentialsOf = credentials.ToLookup(c => c.PassHolderId!.Value);
        return [.. rows.SelectMany(r => PassEntities(
            r.Visitor
                ? PassFacts.Visitor(r.Id, r.LocationId, DbText.Parse<MemberStatus>(r.Status), r.Live, r.StartsAt, r.EndsAt)
                : PassFacts.Booking(r.Id, r.LocationId, DbText.Parse<MemberStatus>(r.Status), r.Live, [.. doorsOf[r.AreaId!.Value]], r.StartsAt, r.EndsAt),
            [.. credentialsOf[r.Id]]))];
    }

    /// <summary>
    /// Compares <paramref name="desired"/> with what was sent for <paramref name="holders"/>, records the new picture and
    /// answers the difference: removals first (a holder's own entry last), then what is new or changed, in the order desired.
    /// </summary>
    private static async Task<IReadOnlyList<LocationChange>> ApplyAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, Guid[] holders, IReadOnlyList<EdgeEntity> desired, CancellationToken cancellationToken)
    {
        var differences = await conn.QueryAsync<(bool Written, Guid HolderId, Guid LocationId, string Entity)>(new CommandDefinition(
            """
            WITH desired AS (
                SELECT * FROM unnest(@desiredHolders, @locations, @entities, @payloads::jsonb[]) AS d(holder_id, location_id, entity, payload)
            ), removed AS (
                DELETE FROM access_sent s
                WHERE s.holder_id = ANY(@holders)
                  AND NOT EXISTS (SELECT 1 FROM desired d WHERE d.holder_id = s.holder_id AND d.location_id = s.location_id AND d.entity = s.entity)
                RETURNING s.holder_id, s.location_id, s.entity
            ), written AS (
                INSERT INTO access_sent AS s (holder_id, location_id, entity, payload)
                SELECT holder_id, location_id, entity, payload FROM desired
                ON CONFLICT (holder_id, location_id, entity) DO UPDATE SET payload = excluded.payload WHERE s.payload IS DISTINCT FROM excluded.payload
                RETURNING s.holder_id, s.location_id, s.entity
            )
            SELECT true, holder_id, location_id, entity FROM written
            UNION ALL
            SELECT false, holder_id, location_id, entity FROM removed
            """,
            new
            {
                holders,
                desiredHolders = desired.Select(e => e.HolderId).ToArray(),
                locations = desired.Select(e => e.LocationId).ToArray(),
                entities = desired.Select(e => e.Entity).ToArray(),
                payloads = desired.Select(e => JsonFormatter.Default.Format(e.Change)).ToArray(),
            },
            tx,
            cancellationToken: cancellationToken));
        var written = new HashSet<(Guid, Guid, string)>();
        var changes = new List<LocationChange>();
        foreach (var (isWrite, holderId, locationId, entity) in differences
            .OrderBy(d => d.HolderId).ThenBy(d => d.LocationId).ThenBy(d => d.Entity.StartsWith("holder:", StringComparison.Ordinal)).ThenBy(d => d.Entity, StringComparer.Ordinal))
        {
            if (isWrite)
            {
                written.Add((holderId, locationId, entity));
            }
            else
            {
                changes.Add(new LocationChange(locationId, Removal(entity)));
            }
        }

        changes.AddRange(desired.Where(e => written.Contains((e.HolderId, e.LocationId, e.Entity))).Select(e => new LocationChange(e.LocationId, e.Change)));
        return changes;
    }

    /// <summary>The change that removes an entity at the edges, from its change-log entity name.</summary>
    private static Change Removal(string entity)
    {
        var separator = entity.IndexOf(':', StringComparison.Ordinal);
        var id = entity[(separator + 1)..];
        return entity[..separator] switch
        {
            "holder" => new Change { HolderRemoved = new HolderRemoved { HolderId = id } },
            "credential" => new Change { CredentialRevoked = new CredentialRevoked { CredentialId = id } },
            "grant" => new Change { GrantRemoved = new GrantRemoved { GrantId = id } },
            _ => throw new InvalidOperationException($"access_sent holds '{entity}', which is not a holder's entity"),
        };
    }

    /// <summary>What decides a member's entities, read in one statement.</summary>
    internal sealed record MemberFacts
    {
        public Guid Id { get; init; }

        public string StatusText { get; init; } = string.Empty;

        public Guid? HomeLocationId { get; init; }

        /// <summary>When the membership began; null without one.</summary>
        public DateTimeOffset? JoinedAt { get; init; }

        public Guid? TierId { get; init; }

        public string? TierName { get; init; }

        public string? TierTerms { get; init; }

        public string? TierOverride { get; init; }

        public string? StaffedHours { get; init; }

        public int GraceDays { get; init; }

        /// <summary>Local midnight at the end of the last paid plan period; null when nothing was paid.</summary>
        public DateTimeOffset? PaidThrough { get; init; }
    }
}

/// <summary>What decides a pass's entities: its member's status, whether it is live, its doors (or all doors) and its window.</summary>
internal sealed record PassFacts(
    Guid Id, Guid LocationId, MemberStatus MemberStatus, bool Live, IReadOnlyList<Guid> DoorIds, bool AllDoors, DateTimeOffset ValidFrom, DateTimeOffset ValidUntil)
{
    /// <summary>A booking opens its resource's area's doors from <see cref="Bookings.BookingRow.AccessLead"/> before it starts until it ends.</summary>
    public static PassFacts Booking(Guid id, Guid locationId, MemberStatus memberStatus, bool live, IReadOnlyList<Guid> doorIds, DateTimeOffset startsAt, DateTimeOffset endsAt) =>
        new(id, locationId, memberStatus, live, doorIds, AllDoors: false, startsAt - Bookings.BookingRow.AccessLead, endsAt);

    /// <summary>A visitor's pass opens every door of the location for the registered visit.</summary>
    public static PassFacts Visitor(Guid id, Guid locationId, MemberStatus hostStatus, bool live, DateTimeOffset startsAt, DateTimeOffset endsAt) =>
        new(id, locationId, hostStatus, live, [], AllDoors: true, startsAt, endsAt);
}
