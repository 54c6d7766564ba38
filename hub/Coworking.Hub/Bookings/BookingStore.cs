using Coworking.Hub.Access;
using Coworking.Hub.Auth;
using Coworking.Hub.Database;
using Coworking.Hub.Locations;
using Coworking.Hub.Mail;
using Coworking.Hub.Members;
using Coworking.Hub.Memberships;
using Coworking.Hub.Resources;
using Coworking.Hub.Tiers;
using Dapper;
using Npgsql;
using NpgsqlTypes;

namespace Coworking.Hub.Bookings;

/// <summary>
/// A member's booking as asked for. <see cref="OnBehalf"/>: an operator books past the tier's rules; a
/// <see cref="SeriesId"/> marks an occurrence of a recurring series, which the advance window does not limit.
/// </summary>
internal sealed record NewBooking(Guid MemberId, Guid ResourceId, Interval Time, bool OnBehalf, string? Note = null, Guid? SeriesId = null);

internal enum BookingWrite
{
    Done,
    NotFound,
    UnknownMember,
    UnknownResource,
    OutsideBookableHours,
    Overlap,
    RuleBroken,
    Ended,
    Cancelled,
    OtherLocation,
    StartInPast,
}

/// <summary>The outcome of a booking write; a broken rule comes with the tier that would allow the booking.</summary>
internal sealed record BookingWriteResult(
    BookingWrite Outcome, BookingResponse? Booking = null, RuleViolation? Violation = null, EffectiveTier? CurrentTier = null, EffectiveTier? UpgradeTo = null);

/// <summary>
/// Bookings. Overlap is the database's to refuse (the bookings_no_overlap exclusion constraint); tier rules are
/// checked in the same transaction under the member's row lock, so two concurrent bookings of one member cannot
/// both slip under a limit. A member's booking issues its pass (PIN, QR, grant) in that transaction too.
/// </summary>
internal sealed partial class BookingStore(TenantDataSource db, TimeProvider time, Confirmations confirmations, Telemetry.HubMetrics metrics)
{
    /// <summary>How far in the past a booking may start (a walk-in booking made at the door).</summary>
    public static readonly TimeSpan StartSlack = TimeSpan.FromMinutes(5);

    public async Task<BookingWriteResult> CreateAsync(Caller caller, NewBooking booking, CancellationToken cancellationToken)
    {
        var result = await CreateOnceAsync(caller, booking, cancellationToken);
        if (result.Outcome == BookingWrite.Done)
        {
            CountCreated(caller, 1);
        }

        return result;
    }

    /// <summary>Counts bookings made in <see cref="Telemetry.HubMetrics.BookingsCreated"/>, by whether staff or the member made them.</summary>
    private void CountCreated(Caller caller, int count) =>
        metrics.BookingsCreated.Add(count, new KeyValuePair<string, object?>("by", caller.MemberId is null ? "staff" : "member"));

    private Task<BookingWriteResult> CreateOnceAsync(Caller caller, NewBooking booking, CancellationToken cancellationToken) =>
        Passes.RetryOnCollisionAsync(async () =>
        {
            var now = time.GetUtcNow();
            await using var conn = await db.OpenConnectionAsync(cancellationToken);

            // Two round trips: BEGIN with every read, under the member's and the resource's row locks; then the
            // writes, the change-log append, the confirmation e-mail's outbox row and COMMIT in one batch, so the
            // location's counter row (which every writer at the location queues on) stays locked only while
            // PostgreSQL runs the end of that batch, never across a round trip. An exception leaves the transaction to the pool, which rolls it back on return.
            var read = await ReadForBookingAsync(conn, begin: true, caller.OrganisationId, booking, now, cancellationToken);
            var decided = await DecideAsync(conn, null, caller, booking, read, now, cancellationToken);
            if (decided.Write is not { } write)
            {
                await RollbackAsync(conn, cancellationToken);
                return decided.Refusal!;
            }

            await using var batch = new NpgsqlBatch(conn);
            batch.BatchCommands.Add(InsertCommand(write.Row, caller.Actor));
            foreach (var command in write.Inserts.Concat(ChangeLog.AppendCommands(write.Pass.Changes, now)))
            {
                batch.BatchCommands.Add(command);
            }

            batch.BatchCommands.Add(Confirmations.BookingsCommand([write.Result.Booking!], [], now)!);
            batch.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
            try
            {
                await batch.ExecuteNonQueryAsync(cancellationToken);
            }
            catch (PostgresException e) when (IsOverlap(e))
            {
                await RollbackAsync(conn, cancellationToken);
                return new BookingWriteResult(BookingWrite.Overlap);
            }

            confirmations.WakeSender();
            return write.Result;
        });

    /// <summary>
    /// Creates a member's booking inside the caller's transaction (an occurrence of a series), adding its pass's
    /// entries to <paramref name="changes"/> for the caller to append last, just before its commit. A taken slot
    /// is rolled back to a savepoint, so the transaction stays usable for the next occurrence.
    /// </summary>
    internal static async Task<BookingWriteResult> CreateInAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, Caller caller, NewBooking booking, DateTimeOffset now, List<LocationChange> changes,
        CancellationToken cancellationToken)
    {
        var read = await ReadForBookingAsync(conn, begin: false, caller.OrganisationId, booking, now, cancellationToken);
        var decided = await DecideAsync(conn, tx, caller, booking, read, now, cancellationToken);
        if (decided.Write is not { } write)
        {
            return decided.Refusal!;
        }

        await using var batch = new NpgsqlBatch(conn, tx);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SAVEPOINT booking"));
        batch.BatchCommands.Add(InsertCommand(write.Row, caller.Actor));
        batch.BatchCommands.Add(new NpgsqlBatchCommand("RELEASE SAVEPOINT booking"));
        foreach (var command in write.Inserts)
        {
            batch.BatchCommands.Add(command);
        }

        try
        {
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (PostgresException e) when (IsOverlap(e))
        {
            await tx.RollbackAsync("booking", cancellationToken);
            return new BookingWriteResult(BookingWrite.Overlap);
        }

        changes.AddRange(write.Pass.Changes);
        return write.Result;
    }

    /// <summary>What a member's booking is decided on, read in one round trip.</summary>
    private sealed record BookingRead(BookableResource? Resource, LockedMember? Member, EffectiveTier? Tier, IReadOnlyList<Guid> Doors, List<BookedTime> Booked);

    /// <summary>A booking judged: either the refusal, or the row, its pass and the pass's credential inserts to write.</summary>
    private sealed record BookingDecision(BookingWriteResult? Refusal, PreparedBooking? Write);

    private sealed record PreparedBooking(BookingRow Row, IssuedPass Pass, IReadOnlyList<NpgsqlBatchCommand> Inserts, BookingWriteResult Result);

    /// <summary>
    /// One batch: the member (locked, with the membership's tier terms in force at the resource's location and the
    /// organisation's PIN key), the resource (locked, then read with its location's zone and hours), the doors of its
    /// area and the member's bookings around the requested time. Each statement after a lock sees what the previous
    /// holder of that lock committed. The doors are read under the resource's lock because a door joining or leaving
    /// the area locks the area's resources before it re-grants their bookings (<see cref="AreaPasses"/>): either it
    /// sees this booking once committed, or this booking reads the doors it committed — never a stale door list.
    /// The lock is exclusive, as it must be before the insert: PostgreSQL's exclusion constraint can deadlock two
    /// transactions inserting overlapping rows at once, so bookings of one resource take turns.
    /// </summary>
    private static async Task<BookingRead> ReadForBookingAsync(
        NpgsqlConnection conn, bool begin, Guid organisationId, NewBooking booking, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var (from, to) = UsageWindow(booking.Time);
        await using var batch = new NpgsqlBatch(conn);
        if (begin)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand("BEGIN"));
        }

        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            """
            SELECT m.id, m.status AS status_text, m.home_location_id, ms.tier_id, o.pin_key, o.pin_length,
                   t.name AS tier_name, t.terms::text AS tier_terms, ov.terms::text AS tier_override
            FROM members m JOIN organisations o ON o.id = m.organisation_id
            LEFT JOIN memberships ms ON ms.member_id = m.id
            LEFT JOIN tiers t ON t.id = ms.tier_id AND t.organisation_id = m.organisation_id
            LEFT JOIN tier_overrides ov ON ov.tier_id = t.id AND ov.location_id = (SELECT location_id FROM resources WHERE id = @resourceId)
            WHERE m.id = @memberId AND m.organisation_id = @organisationId
            FOR NO KEY UPDATE OF m
            """)
        {
            Parameters = { Uuid("memberId", booking.MemberId), Uuid("organisationId", organisationId), Uuid("resourceId", booking.ResourceId) },
        });
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            $"{ResourceStore.BookableSelect} WHERE r.id = @resourceId AND l.organisation_id = @organisationId AND r.removed_at IS NULL FOR NO KEY UPDATE OF r")
        {
            Parameters = { Uuid("resourceId", booking.ResourceId), Uuid("organisationId", organisationId) },
        });
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            "SELECT id FROM doors WHERE area_id = (SELECT area_id FROM resources WHERE id = @resourceId) AND removed_at IS NULL ORDER BY id")
        {
            Parameters = { Uuid("resourceId", booking.ResourceId) },
        });
        batch.BatchCommands.Add(new NpgsqlBatchCommand(BookedTimesSql)
        {
            Parameters =
            {
                Uuid("memberId", booking.MemberId), Uuid("excluding", Guid.Empty), Instant("from", from), Instant("to", to), Instant("now", now),
            },
        });

        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        MemberRow? member = null;
        var parseMember = reader.GetRowParser<MemberRow>();
        while (await reader.ReadAsync(cancellationToken))
        {
            member = parseMember(reader);
        }

        await reader.NextResultAsync(cancellationToken);
        BookableResource? resource = null;
        var parseResource = ResourceStore.BookableParser(reader);
        while (await reader.ReadAsync(cancellationToken))
        {
            resource = parseResource(reader);
        }

        await reader.NextResultAsync(cancellationToken);
        var doors = new List<Guid>();
        while (await reader.ReadAsync(cancellationToken))
        {
            doors.Add(reader.GetGuid(0));
        }

        await reader.NextResultAsync(cancellationToken);
        var booked = await ReadBookedAsync(reader, cancellationToken);
        var tier = member is { TierId: { } tierId, TierName: { } name, TierTerms: { } terms }
            ? TierStore.Effective(tierId, name, terms, member.TierOverride)
            : null;
        return new BookingRead(resource, member?.ToLocked(), tier, doors, booked);
    }

    /// <summary>The checks of a new member's booking in the order the API answers them; the rules last, on what was read.</summary>
    private static async Task<BookingDecision> DecideAsync(
        NpgsqlConnection conn, NpgsqlTransaction? tx, Caller caller, NewBooking booking, BookingRead read, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (read.Resource is not { } resource || !caller.Covers(resource.Resource.LocationId))
        {
            return new BookingDecision(new BookingWriteResult(BookingWrite.UnknownResource), null);
        }

        if (booking.Time.Start < now - StartSlack)
        {
            return new BookingDecision(new BookingWriteResult(BookingWrite.StartInPast), null);
        }

        if (!resource.Bookable(booking.Time))
        {
            return new BookingDecision(new BookingWriteResult(BookingWrite.OutsideBookableHours), null);
        }

        // A location manager books only for members homed at their locations: any other member is answered as one that
        // does not exist, so the answer tells nothing about members the caller cannot see.
        if (read.Member is not { } member || !caller.Covers(member.HomeLocationId))
        {
            return new BookingDecision(new BookingWriteResult(BookingWrite.UnknownMember), null);
        }

        var refused = await JudgeAsync(
            conn, tx, caller.OrganisationId, member, read.Tier, resource, booking.Time, booking.OnBehalf, booking.SeriesId is not null, read.Booked, now, cancellationToken);
        if (refused is not null)
        {
            return new BookingDecision(refused, null);
        }

        var row = new BookingRow
        {
            Id = Guid.CreateVersion7(now),
            OrganisationId = caller.OrganisationId,
            LocationId = resource.Resource.LocationId,
            ResourceId = resource.Resource.Id,
            ResourceKind = resource.Resource.Kind.ToDb(),
            Kind = "member",
            MemberId = member.Id,
            SeriesId = booking.SeriesId,
            StartsAt = booking.Time.Start,
            EndsAt = booking.Time.End,
            Note = booking.Note,
            OnBehalf = booking.OnBehalf,
            CreatedAt = now,
            UpdatedAt = now,
        };
        var (pass, inserts) = Passes.Prepare(
            caller.OrganisationId, member.Id, PassFacts.Booking(row.Id, row.LocationId, member.Status, live: true, read.Doors, row.StartsAt, row.EndsAt), member.PassPin, now);
        return new BookingDecision(null, new PreparedBooking(row, pass, inserts, new BookingWriteResult(BookingWrite.Done, row.ToResponse(pass.Pin, pass.QrPayload))));
    }

    private static async Task RollbackAsync(NpgsqlConnection conn, CancellationToken cancellationToken)
    {
        await using var rollback = new NpgsqlCommand("ROLLBACK", conn);
        await rollback.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The INSERT of a booking row; the bookings_no_overlap exclusion constraint refuses a taken slot.</summary>
    private static NpgsqlBatchCommand InsertCommand(BookingRow row, Actor bookedBy) => new(
        """
        INSERT INTO bookings (id, organisation_id, location_id, resource_id, resource_kind, kind, member_id, series_id, starts_at, ends_at,
                              note, booked_by_kind, booked_by, on_behalf, created_at, updated_at)
        VALUES (@id, @organisationId, @locationId, @resourceId, @resourceKind, @kind, @memberId, @seriesId, @startsAt, @endsAt,
                @note, @bookedByKind, @bookedBy, @onBehalf, @createdAt, @updatedAt)
        """)
    {
        Parameters =
        {
            Uuid("id", row.Id), Uuid("organisationId", row.OrganisationId), Uuid("locationId", row.LocationId), Uuid("resourceId", row.ResourceId),
            new NpgsqlParameter<string>("resourceKind", row.ResourceKind), new NpgsqlParameter<string>("kind", row.Kind),
            new NpgsqlParameter("memberId", NpgsqlDbType.Uuid) { Value = (object?)row.MemberId ?? DBNull.Value },
            new NpgsqlParameter("seriesId", NpgsqlDbType.Uuid) { Value = (object?)row.SeriesId ?? DBNull.Value },
            Instant("startsAt", row.StartsAt), Instant("endsAt", row.EndsAt),
            new NpgsqlParameter("note", NpgsqlDbType.Text) { Value = (object?)row.Note ?? DBNull.Value },
            new NpgsqlParameter<string>("bookedByKind", bookedBy.Kind.ToDb()),
            new NpgsqlParameter("bookedBy", NpgsqlDbType.Uuid) { Value = (object?)bookedBy.Id ?? DBNull.Value },
            new NpgsqlParameter<bool>("onBehalf", row.OnBehalf), Instant("createdAt", row.CreatedAt), Instant("updatedAt", row.UpdatedAt),
        },
    };

    private static NpgsqlParameter<Guid> Uuid(string name, Guid value) => new(name, value);

    private static NpgsqlParameter<DateTimeOffset> Instant(string name, DateTimeOffset value) => new(name, value.ToUniversalTime());

    /// <summary>The locked member with the tier terms of the membership, as the booking batch reads them.</summary>
    private sealed record MemberRow
    {
        public Guid Id { get; init; }

        public string StatusText { get; init; } = string.Empty;

        public Guid? HomeLocationId { get; init; }

        public Guid? TierId { get; init; }

        public byte[] PinKey { get; init; } = [];

        public int PinLength { get; init; }

        public string? TierName { get; init; }

        public string? TierTerms { get; init; }

        public string? TierOverride { get; init; }

        public LockedMember ToLocked() => new() { Id = Id, StatusText = StatusText, HomeLocationId = HomeLocationId, TierId = TierId, PinKey = PinKey, PinLength = PinLength };
    }

    /// <summary>
    /// Inserts a row inside a savepoint; false when the exclusion constraint refuses it because the resource is
    /// taken then. The savepoint keeps the caller's transaction usable (a series books on after a conflict).
    /// </summary>
    internal static async Task<bool> InsertAsync(NpgsqlConnection conn, NpgsqlTransaction tx, BookingRow row, Actor bookedBy, CancellationToken cancellationToken)
    {
        await tx.SaveAsync("booking", cancellationToken);
        try
        {
            await LockResourceAsync(conn, tx, row.ResourceId, cancellationToken);
            await conn.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO bookings (id, organisation_id, location_id, resource_id, resource_kind, kind, member_id, series_id, starts_at, ends_at,
                                      note, booked_by_kind, booked_by, on_behalf, created_at, updated_at)
                VALUES (@Id, @OrganisationId, @LocationId, @ResourceId, @ResourceKind, @Kind, @MemberId, @SeriesId, @StartsAt, @EndsAt,
                        @Note, @bookedByKind, @bookedBy, @OnBehalf, @CreatedAt, @UpdatedAt)
                """,
                new
                {
                    row.Id, row.OrganisationId, row.LocationId, row.ResourceId, row.ResourceKind, row.Kind, row.MemberId, row.SeriesId, row.StartsAt, row.EndsAt,
                    row.Note, bookedByKind = bookedBy.Kind.ToDb(), bookedBy = bookedBy.Id, row.OnBehalf, row.CreatedAt, row.UpdatedAt,
                },
                tx,
                cancellationToken: cancellationToken));
        }
        catch (PostgresException e) when (IsOverlap(e))
        {
            await tx.RollbackAsync("booking", cancellationToken);
            return false;
        }

        await tx.ReleaseAsync("booking", cancellationToken);
        return true;
    }

    /// <summary>
    /// Queues writers of one resource behind each other until commit. The exclusion constraint still decides
    /// what overlaps; the queue only keeps two concurrent inserts that overlap from each waiting for the other's
    /// index entry, which PostgreSQL resolves as a deadlock a second later instead of a prompt 409. Sent in the
    /// batch that inserts, so a busy slot's queue moves one batch at a time, not one whole request at a time.
    /// </summary>
    private static NpgsqlBatchCommand LockResourceCommand(Guid resourceId) =>
        new("SELECT 1 FROM resources WHERE id = @resourceId FOR NO KEY UPDATE") { Parameters = { Uuid("resourceId", resourceId) } };

    private static async Task LockResourceAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid resourceId, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(conn, tx) { BatchCommands = { LockResourceCommand(resourceId) } };
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    internal static bool IsOverlap(PostgresException e) =>
        e is { SqlState: PostgresErrorCodes.ExclusionViolation, ConstraintName: "bookings_no_overlap" };

    public async Task<BookingResponse?> GetAsync(Caller caller, Guid id, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var row = await ReadAsync(conn, null, caller.OrganisationId, id, forUpdate: false, cancellationToken);
        return row is not null && caller.Covers(row.LocationId) ? row.ToResponse() : null;
    }

    public async Task<Http.Page<BookingResponse>> ListAsync(
        Caller caller, BookingFilter filter, int limit, Http.PageCursor? after, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var rows = (await conn.QueryAsync<BookingRow>(new CommandDefinition(
            $"""
            SELECT {BookingRow.Columns} FROM bookings
            WHERE organisation_id = @organisationId
              AND (@scope::uuid[] IS NULL OR location_id = ANY(@scope))
              AND (@memberId::uuid IS NULL OR member_id = @memberId)
              AND (@resourceId::uuid IS NULL OR resource_id = @resourceId)
              AND (@locationId::uuid IS NULL OR location_id = @locationId)
              AND (@seriesId::uuid IS NULL OR series_id = @seriesId)
              AND (@from::timestamptz IS NULL OR ends_at > @from)
              AND (@to::timestamptz IS NULL OR starts_at < @to)
              AND (@includeCancelled OR cancelled_at IS NULL)
              AND (@afterAt::timestamptz IS NULL OR (starts_at, id) > (@afterAt, @afterId))
            ORDER BY starts_at, id
            LIMIT @take
            """,
            new
            {
                organisationId = caller.OrganisationId, scope = caller.Scope, filter.MemberId, filter.ResourceId, filter.LocationId, filter.From, filter.To,
                filter.IncludeCancelled, filter.SeriesId, afterAt = after?.At, afterId = after?.Id, take = limit + 1,
            },
            cancellationToken: cancellationToken))).ToList();
        var next = rows.Count > limit ? new Http.PageCursor(rows[limit - 1].StartsAt, rows[limit - 1].Id).Encode() : null;
        return new Http.Page<BookingResponse>([.. rows.Take(limit).Select(r => r.ToResponse())], next);
    }

    /// <summary>Cancels a booking that has not ended; its PIN and QR stop opening doors at the next sync. Cancelling twice changes nothing.</summary>
    public async Task<BookingWriteResult> CancelAsync(Caller caller, Guid id, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        var row = await ReadAsync(conn, tx, caller.OrganisationId, id, forUpdate: true, cancellationToken);
        if (row is null || !caller.Covers(row.LocationId))
        {
            return new BookingWriteResult(BookingWrite.NotFound);
        }

        if (row.CancelledAt is not null)
        {
            return new BookingWriteResult(BookingWrite.Done, row.ToResponse());
        }

        if (row.EndsAt <= now)
        {
            return new BookingWriteResult(BookingWrite.Ended);
        }

        await conn.ExecuteAsync(new CommandDefinition(
            "UPDATE bookings SET cancelled_at = @now, updated_at = @now WHERE id = @id",
            new { id, now },
            tx,
            cancellationToken: cancellationToken));
        if (row.IsMember)
        {
            await Passes.RevokeAsync(conn, tx, id, now, cancellationToken);
            await ChangeLog.AppendAsync(conn, tx, await AccessCompiler.PassesAsync(conn, tx, [id], cancellationToken), now, cancellationToken);
        }

        await tx.CommitAsync(cancellationToken);
        return new BookingWriteResult(BookingWrite.Done, (row with { CancelledAt = now, UpdatedAt = now }).ToResponse());
    }

    /// <summary>
    /// Moves a booking to another time and/or resource of the same location, under the same rules as a new one
    /// (not counting itself). The PIN and QR stay; their grant follows the new time and the new resource's doors.
    /// </summary>
    public async Task<BookingWriteResult> MoveAsync(Caller caller, Guid id, Guid? resourceId, Interval to, bool onBehalf, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        var row = await ReadAsync(conn, tx, caller.OrganisationId, id, forUpdate: true, cancellationToken);
        if (row is null || !caller.Covers(row.LocationId))
        {
            return new BookingWriteResult(BookingWrite.NotFound);
        }

        if (row.CancelledAt is not null)
        {
            return new BookingWriteResult(BookingWrite.Cancelled);
        }

        if (row.EndsAt <= now)
        {
            return new BookingWriteResult(BookingWrite.Ended);
        }

        var resource = await ResourceStore.GetAsync(conn, tx, caller.OrganisationId, resourceId ?? row.ResourceId, cancellationToken);
        if (resource is null)
        {
            return new BookingWriteResult(BookingWrite.UnknownResource);
        }

        if (resource.Resource.LocationId != row.LocationId)
        {
            return new BookingWriteResult(BookingWrite.OtherLocation);
        }

        if (to.Start != row.StartsAt && to.Start < now - StartSlack)
        {
            return new BookingWriteResult(BookingWrite.StartInPast);
        }

        if (!resource.Bookable(to))
        {
            return new BookingWriteResult(BookingWrite.OutsideBookableHours);
        }

        if (row.MemberId is { } memberId)
        {
            var member = await LockMemberAsync(conn, tx, caller.OrganisationId, memberId, cancellationToken);
            var refused = await CheckRulesAsync(
                conn, tx, caller.OrganisationId, member!, resource, to, onBehalf || row.OnBehalf, row.Id, row.SeriesId is not null, now, cancellationToken);
            if (refused is not null)
            {
                return refused;
            }
        }

        var moved = row with
        {
            ResourceId = resource.Resource.Id, ResourceKind = resource.Resource.Kind.ToDb(), StartsAt = to.Start, EndsAt = to.End, UpdatedAt = now,
        };
        await LockResourceAsync(conn, tx, moved.ResourceId, cancellationToken);
        try
        {
            await conn.ExecuteAsync(new CommandDefinition(
                "UPDATE bookings SET resource_id = @ResourceId, resource_kind = @ResourceKind, starts_at = @StartsAt, ends_at = @EndsAt, updated_at = @UpdatedAt WHERE id = @Id",
                new { moved.ResourceId, moved.ResourceKind, moved.StartsAt, moved.EndsAt, moved.UpdatedAt, moved.Id },
                tx,
                cancellationToken: cancellationToken));
        }
        catch (PostgresException e) when (IsOverlap(e))
        {
            return new BookingWriteResult(BookingWrite.Overlap);
        }

        if (moved.IsMember)
        {
            await ChangeLog.AppendAsync(conn, tx, await AccessCompiler.PassesAsync(conn, tx, [id], cancellationToken), now, cancellationToken);
        }

        await tx.CommitAsync(cancellationToken);
        return new BookingWriteResult(BookingWrite.Done, moved.ToResponse());
    }

    /// <summary>
    /// The tier rules for moving or transferring a member's booking (only the member's status when an operator books
    /// on behalf), or null when it may go ahead. Usage excludes <paramref name="excluding"/>, the booking itself.
    /// </summary>
    internal static async Task<BookingWriteResult?> CheckRulesAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, Guid organisationId, LockedMember member, BookableResource resource, Interval booking, bool onBehalf,
        Guid excluding, bool inSeries, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var tier = member.TierId is { } tierId ? await TierStore.EffectiveAsync(conn, tx, organisationId, tierId, resource.Resource.LocationId, cancellationToken) : null;
        var (from, to) = UsageWindow(booking);
        await using var batch = new NpgsqlBatch(conn, tx)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand(BookedTimesSql)
                {
                    Parameters = { Uuid("memberId", member.Id), Uuid("excluding", excluding), Instant("from", from), Instant("to", to), Instant("now", now) },
                },
            },
        };
        List<BookedTime> booked;
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            booked = await ReadBookedAsync(reader, cancellationToken);
        }

        return await JudgeAsync(conn, tx, organisationId, member, tier, resource, booking, onBehalf, inSeries, booked, now, cancellationToken);
    }

    /// <summary>
    /// The rules on what was read: null when the booking may go ahead. Only a refusal reads the organisation's other
    /// tiers, for the upgrade prompt (the cheapest tier that would allow it).
    /// </summary>
    private static async Task<BookingWriteResult?> JudgeAsync(
        NpgsqlConnection conn, NpgsqlTransaction? tx, Guid organisationId, LockedMember member, EffectiveTier? current, BookableResource resource,
        Interval booking, bool onBehalf, bool inSeries, List<BookedTime> booked, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (onBehalf)
        {
            return member.Status == MemberStatus.Active ? null : new BookingWriteResult(BookingWrite.RuleBroken, Violation: new RuleViolation(TierRule.MemberStatus, null));
        }

        var facts = new BookingRequestFacts(
            member.Status, member.HomeLocationId, resource.Resource.LocationId, resource.Resource.Kind, booking, now,
            resource.StaffedHours.Covers(booking, resource.Zone),
            Usage(booked, resource, booking, now),
            inSeries);
        if (TierRules.Check(current?.Terms, facts) is not { } violation)
        {
            return null;
        }

        var tiers = await TierStore.AllEffectiveAsync(conn, tx, organisationId, resource.Resource.LocationId, cancellationToken);
        return new BookingWriteResult(BookingWrite.RuleBroken, Violation: violation, CurrentTier: current, UpgradeTo: TierRules.TierThatAllows(tiers, current?.Id, facts));
    }

    /// <summary>One of the member's live bookings, as the rules count it.</summary>
    private readonly record struct BookedTime(Interval Time, bool IsRoom);

    /// <summary>
    /// The member's live bookings that may count towards a booking's rules: those within <c>@from</c>..<c>@to</c>
    /// (see <see cref="UsageWindow"/>), and every upcoming meeting-room booking.
    /// </summary>
    private const string BookedTimesSql =
        """
        SELECT starts_at, ends_at, resource_kind FROM bookings
        WHERE member_id = @memberId AND kind = 'member' AND cancelled_at IS NULL AND id <> @excluding
          AND ((starts_at < @to AND ends_at > @from) OR (resource_kind = 'meeting_room' AND ends_at > @now))
        """;

    /// <summary>
    /// Instants that surely hold every local day the booking touches and the local calendar month of its start, in
    /// any time zone (offsets stay within a day of UTC), so the rows can be read before the zone is known; the
    /// counting in <see cref="Usage"/> then keeps only what lies in the zone's own days and month.
    /// </summary>
    private static (DateTimeOffset From, DateTimeOffset To) UsageWindow(Interval booking)
    {
        var early = booking.Start.UtcDateTime.AddDays(-1);
        var late = booking.Start.UtcDateTime.AddDays(1);
        var from = new DateTimeOffset(early.Year, early.Month, 1, 0, 0, 0, TimeSpan.Zero).AddDays(-1);
        var monthEnd = new DateTimeOffset(late.Year, late.Month, 1, 0, 0, 0, TimeSpan.Zero).AddMonths(1).AddDays(1);
        var daysEnd = booking.End.AddDays(2);
        return (from, monthEnd > daysEnd ? monthEnd : daysEnd);
    }

    private static async Task<List<BookedTime>> ReadBookedAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        var booked = new List<BookedTime>();
        while (await reader.ReadAsync(cancellationToken))
        {
            booked.Add(new BookedTime(
                new Interval(reader.GetFieldValue<DateTimeOffset>(0), reader.GetFieldValue<DateTimeOffset>(1)), reader.GetString(2) == "meeting_room"));
        }

        return booked;
    }

    /// <summary>What the member has booked around <paramref name="booking"/>, counted with it, in the resource location's zone.</summary>
    private static BookingUsage Usage(List<BookedTime> booked, BookableResource resource, Interval booking, DateTimeOffset now)
    {
        var zone = resource.Zone;
        var days = ZoneTime.DatesOf(booking, zone).Select(d => ZoneTime.Day(d, zone)).ToList();
        var month = ZoneTime.Month(ZoneTime.DateOf(booking.Start, zone), zone);
        var rows = new List<BookedTime>(booked) { new(booking, resource.Resource.Kind == ResourceKind.MeetingRoom) };
        var busiestDay = days.Max(day => rows.Aggregate(TimeSpan.Zero, (sum, r) => sum + r.Time.OverlapWith(day)));
        var inMonth = rows.Where(r => r.Time.Start >= month.Start && r.Time.Start < month.End).ToList();
        return new BookingUsage(
            busiestDay,
            rows.Count(r => r.IsRoom && r.Time.End > now),
            inMonth.Where(r => r.IsRoom).Aggregate(TimeSpan.Zero, (sum, r) => sum + r.Time.Length),
            inMonth.Count);
    }

    /// <summary>A member locked for the booking's transaction, with the membership's tier and the organisation's PIN key and length.</summary>
    internal sealed record LockedMember
    {
        public Guid Id { get; init; }

        public string StatusText { get; init; } = string.Empty;

        public Guid? HomeLocationId { get; init; }

        public Guid? TierId { get; init; }

        public byte[] PinKey { get; init; } = [];

        /// <summary>The digits of the booking and visitor PINs the organisation's passes get.</summary>
        public int PinLength { get; init; }

        /// <summary>What a pass made for this member's booking or visitor is issued with.</summary>
        public PassPinSecret PassPin => new(PinKey, PinLength);

        public MemberStatus Status => DbText.Parse<MemberStatus>(StatusText);
    }

    internal static Task<LockedMember?> LockMemberAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid organisationId, Guid memberId, CancellationToken cancellationToken) =>
        conn.QuerySingleOrDefaultAsync<LockedMember>(new CommandDefinition(
            """
            SELECT m.id, m.status AS status_text, m.home_location_id, ms.tier_id, o.pin_key, o.pin_length
            FROM members m JOIN organisations o ON o.id = m.organisation_id LEFT JOIN memberships ms ON ms.member_id = m.id
            WHERE m.id = @memberId AND m.organisation_id = @organisationId
            FOR NO KEY UPDATE OF m
            """,
            new { memberId, organisationId },
            tx,
            cancellationToken: cancellationToken));

    internal static Task<BookingRow?> ReadAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, Guid organisationId, Guid id, bool forUpdate, CancellationToken cancellationToken) =>
        conn.QuerySingleOrDefaultAsync<BookingRow>(new CommandDefinition(
            $"SELECT {BookingRow.Columns} FROM bookings WHERE id = @id AND organisation_id = @organisationId{(forUpdate ? " FOR UPDATE" : string.Empty)}",
            new { id, organisationId },
            tx,
            cancellationToken: cancellationToken));
}

/// <summary>Which bookings to list; instants bound the bookings' time, not their creation.</summary>
internal sealed record BookingFilter(
    Guid? MemberId, Guid? ResourceId, Guid? LocationId, DateTimeOffset? From, DateTimeOffset? To, bool IncludeCancelled, Guid? SeriesId = null);
