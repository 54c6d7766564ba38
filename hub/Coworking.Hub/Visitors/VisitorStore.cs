using System.Text.Json;
using Coworking.Hub.Access;
using Coworking.Hub.Auth;
using Coworking.Hub.Bookings;
using Coworking.Hub.Locations;
using Coworking.Hub.Mail;
using Coworking.Hub.Members;
using Coworking.Hub.Tiers;
using Dapper;
using Npgsql;

namespace Coworking.Hub.Visitors;

public enum VisitorStatus
{
    Registered,
    Cancelled,
}

/// <summary>A guest's visit; <see cref="Pin"/> and <see cref="QrPayload"/> are in the registration's answer only.</summary>
public sealed record VisitorResponse(
    Guid Id, Guid HostMemberId, Guid LocationId, string Name, string Email, DateTimeOffset Start, DateTimeOffset End, VisitorStatus Status,
    DateTimeOffset CreatedAt, DateTimeOffset? CancelledAt,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? Pin = null,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? QrPayload = null);

internal sealed record NewVisitor(Guid LocationId, string Name, string Email, Interval Visit);

/// <summary>A guest expected at a location (the console's visitors page): the host's name, and when the desk checked them in.</summary>
internal sealed record ExpectedVisitor
{
    public Guid Id { get; init; }

    public Guid HostMemberId { get; init; }

    public string HostName { get; init; } = string.Empty;

    public Guid LocationId { get; init; }

    public string Name { get; init; } = string.Empty;

    public DateTimeOffset StartsAt { get; init; }

    public DateTimeOffset EndsAt { get; init; }

    public DateTimeOffset? CheckedInAt { get; init; }
}

/// <summary>
/// Visitor passes: registered by a member within the tier's monthly guest allowance (counted by the visit's
/// local month at the visited location, under the host's row lock), each with a PIN and QR valid for the visit
/// window at every door of the location.
/// </summary>
internal sealed class VisitorStore(Database.TenantDataSource db, TimeProvider time, Confirmations confirmations)
{
    private const string Columns = "id, host_member_id, location_id, name, email, starts_at, ends_at, created_at, cancelled_at";

    public Task<(BookingWriteResult Refusal, VisitorResponse? Visitor)> RegisterAsync(Caller caller, Guid hostId, NewVisitor visitor, CancellationToken cancellationToken) =>
        Passes.RetryOnCollisionAsync(async () =>
        {
            var now = time.GetUtcNow();
            await using var conn = await db.OpenConnectionAsync(cancellationToken);
            await using var tx = await conn.BeginTransactionAsync(cancellationToken);
            var host = await BookingStore.LockMemberAsync(conn, tx, caller.OrganisationId, hostId, cancellationToken);
            if (host is null || !caller.Covers(host.HomeLocationId))
            {
                return (new BookingWriteResult(BookingWrite.NotFound), (VisitorResponse?)null);
            }

            var zoneId = await conn.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
                "SELECT time_zone FROM locations WHERE id = @LocationId AND organisation_id = @organisationId",
                new { visitor.LocationId, organisationId = caller.OrganisationId },
                tx,
                cancellationToken: cancellationToken));
            if (zoneId is null || !caller.Covers(visitor.LocationId))
            {
                return (new BookingWriteResult(BookingWrite.UnknownResource), null);
            }

            if (visitor.Visit.Start < now - BookingStore.StartSlack)
            {
                return (new BookingWriteResult(BookingWrite.StartInPast), null);
            }

            var zone = ZoneTime.Zone(zoneId);
            var month = ZoneTime.Month(ZoneTime.DateOf(visitor.Visit.Start, zone), zone);
            var guests = await conn.ExecuteScalarAsync<int>(new CommandDefinition(
                """
                SELECT count(*) FROM visitors
                WHERE host_member_id = @hostId AND cancelled_at IS NULL AND starts_at >= @from AND starts_at < @to
                """,
                new { hostId, from = month.Start, to = month.End },
                tx,
                cancellationToken: cancellationToken));
            var tiers = await TierStore.AllEffectiveAsync(conn, tx, caller.OrganisationId, visitor.LocationId, cancellationToken);
            var current = tiers.FirstOrDefault(t => t.Id == host.TierId);
            if (TierRules.CheckGuest(current?.Terms, host.Status, host.HomeLocationId, visitor.LocationId, guests + 1) is { } violation)
            {
                var upgrade = host.Status == MemberStatus.Active
                    ? tiers.Where(t => t.Id != current?.Id && TierRules.CheckGuest(t.Terms, host.Status, host.HomeLocationId, visitor.LocationId, guests + 1) is null)
                        .OrderBy(t => t.Terms.MonthlyPrice).ThenBy(t => t.Name, StringComparer.OrdinalIgnoreCase).FirstOrDefault()
                    : null;
                return (new BookingWriteResult(BookingWrite.RuleBroken, Violation: violation, CurrentTier: current, UpgradeTo: upgrade), null);
            }

            var id = Guid.CreateVersion7(now);
            await conn.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO visitors (id, organisation_id, location_id, host_member_id, name, email, starts_at, ends_at, created_at)
                VALUES (@id, @organisationId, @LocationId, @hostId, @Name, @Email, @start, @end, @now)
                """,
                new { id, organisationId = caller.OrganisationId, visitor.LocationId, hostId, visitor.Name, visitor.Email, start = visitor.Visit.Start, end = visitor.Visit.End, now },
                tx,
                cancellationToken: cancellationToken));
            var (pin, qr) = await Passes.IssueAsync(conn, tx, caller.OrganisationId, hostId, id, host.PassPin, now, cancellationToken);
            await ChangeLog.AppendAsync(conn, tx, await AccessCompiler.PassesAsync(conn, tx, [id], cancellationToken), now, cancellationToken);
            var registered = new VisitorResponse(
                id, hostId, visitor.LocationId, visitor.Name, visitor.Email, visitor.Visit.Start, visitor.Visit.End, VisitorStatus.Registered, now, null, pin, qr);
            await using (var mail = new NpgsqlBatch(conn, tx) { BatchCommands = { Confirmations.VisitorCommand(registered, now) } })
            {
                await mail.ExecuteNonQueryAsync(cancellationToken);
            }

            await tx.CommitAsync(cancellationToken);
            confirmations.WakeSender();
            return (new BookingWriteResult(BookingWrite.Done), registered);
        });

    public async Task<IReadOnlyList<VisitorResponse>?> ListAsync(Caller caller, Guid hostId, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var host = await MemberStore.ReadAsync(conn, null, caller.OrganisationId, hostId, forUpdate: false, cancellationToken);
        if (host is null || !caller.Covers(host.HomeLocationId))
        {
            return null;
        }

        var rows = await conn.QueryAsync<VisitorRow>(new CommandDefinition(
            $"SELECT {Columns} FROM visitors WHERE host_member_id = @hostId ORDER BY starts_at DESC, id DESC",
            new { hostId },
            cancellationToken: cancellationToken));
        return [.. rows.Select(r => r.ToResponse())];
    }

    /// <summary>The guests expected at a location the caller covers whose visit overlaps <paramref name="window"/>, earliest first; cancelled visits are left out.</summary>
    public async Task<IReadOnlyList<ExpectedVisitor>> ExpectedAsync(Caller caller, Guid locationId, Interval window, CancellationToken cancellationToken)
    {
        if (!caller.Covers(locationId))
        {
            return [];
        }

        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var rows = await conn.QueryAsync<ExpectedVisitor>(new CommandDefinition(
            """
            SELECT v.id, v.host_member_id, m.name AS host_name, v.location_id, v.name, v.starts_at, v.ends_at, v.checked_in_at
            FROM visitors v JOIN members m ON m.id = v.host_member_id
            WHERE v.organisation_id = @organisationId AND v.location_id = @locationId AND v.cancelled_at IS NULL
              AND v.starts_at < @end AND v.ends_at > @start
            ORDER BY v.starts_at, v.name, v.id
            """,
            new { organisationId = caller.OrganisationId, locationId, start = window.Start, end = window.End },
            cancellationToken: cancellationToken));
        return [.. rows];
    }

    /// <summary>
    /// Records that an expected guest arrived, by <paramref name="checkedInBy"/> ("operator:&lt;id&gt;"); checking in twice keeps the
    /// first time. False when the visit is not at a location the caller covers, or is cancelled.
    /// </summary>
    public async Task<bool> CheckInAsync(Caller caller, Guid id, string checkedInBy, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        return await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE visitors SET checked_in_at = coalesce(checked_in_at, @now), checked_in_by = coalesce(checked_in_by, @checkedInBy)
            WHERE id = @id AND organisation_id = @organisationId AND cancelled_at IS NULL AND (@scope::uuid[] IS NULL OR location_id = ANY(@scope))
            """,
            new { id, organisationId = caller.OrganisationId, scope = caller.Scope, checkedInBy, now = time.GetUtcNow() },
            cancellationToken: cancellationToken)) == 1;
    }

    /// <summary>Cancels a visit that has not ended; the guest's PIN and QR are revoked at once.</summary>
    public async Task<(BookingWrite Outcome, VisitorResponse? Visitor)> CancelAsync(Caller caller, Guid id, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        var row = await conn.QuerySingleOrDefaultAsync<VisitorRow>(new CommandDefinition(
            $"SELECT {Columns} FROM visitors WHERE id = @id AND organisation_id = @organisationId FOR UPDATE",
            new { id, organisationId = caller.OrganisationId },
            tx,
            cancellationToken: cancellationToken));
        if (row is null || !caller.Covers(row.LocationId))
        {
            return (BookingWrite.NotFound, null);
        }

        if (row.CancelledAt is null)
        {
            if (row.EndsAt <= now)
            {
                return (BookingWrite.Ended, null);
            }

            await conn.ExecuteAsync(new CommandDefinition("UPDATE visitors SET cancelled_at = @now WHERE id = @id", new { id, now }, tx, cancellationToken: cancellationToken));
            await Passes.RevokeAsync(conn, tx, id, now, cancellationToken);
            await ChangeLog.AppendAsync(conn, tx, await AccessCompiler.PassesAsync(conn, tx, [id], cancellationToken), now, cancellationToken);
            await tx.CommitAsync(cancellationToken);
            row = row with { CancelledAt = now };
        }

        return (BookingWrite.Done, row.ToResponse());
    }

    private sealed record VisitorRow
    {
        public Guid Id { get; init; }

        public Guid HostMemberId { get; init; }

        public Guid LocationId { get; init; }

        public string Name { get; init; } = string.Empty;

        public string Email { get; init; } = string.Empty;

        public DateTimeOffset StartsAt { get; init; }

        public DateTimeOffset EndsAt { get; init; }

        public DateTimeOffset CreatedAt { get; init; }

        public DateTimeOffset? CancelledAt { get; init; }

        public VisitorResponse ToResponse() => new(
            Id, HostMemberId, LocationId, Name, Email, StartsAt, EndsAt, CancelledAt is null ? VisitorStatus.Registered : VisitorStatus.Cancelled, CreatedAt, CancelledAt);
    }
}
