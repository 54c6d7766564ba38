using Coworking.Hub.Access;
using Coworking.Hub.Auth;
using Coworking.Hub.Database;
using Coworking.Hub.Locations;
using Coworking.Hub.Members;
using Coworking.Hub.Memberships;
using Coworking.Hub.Resources;
using Coworking.Hub.Tiers;
using Dapper;
using Npgsql;

namespace Coworking.Hub.Bookings;

/// <summary>A member's booking as asked for; <see cref="OnBehalf"/>: an operator books past the tier's rules.</summary>
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
internal sealed partial class BookingStore(NpgsqlDataSource db, TimeProvider time)
{
    /// <summary>How far in the past a booking may start (a walk-in booking made at the door).</summary>
    public static readonly TimeSpan StartSlack = TimeSpan.FromMinutes(5);

    public Task<BookingWriteResult> CreateAsync(Caller caller, NewBooking booking, CancellationToken cancellationToken) =>
        Passes.RetryOnCollisionAsync(async () =>
        {
            var now = time.GetUtcNow();
            await using var conn = await db.OpenConnectionAsync(cancellationToken);
            await using var tx = await conn.BeginTransactionAsync(cancellationToken);
            var result = await CreateInAsync(conn, tx, caller, booking, now, cancellationToken);
            if (result.Outcome == BookingWrite.Done)
            {
                await tx.CommitAsync(cancellationToken);
            }

            return result;
        });

    /// <summary>Creates a member's booking inside the caller's transaction, appending its pass to the change log.</summary>
    internal static async Task<BookingWriteResult> CreateInAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, Caller caller, NewBooking booking, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var resource = await ResourceStore.GetAsync(conn, tx, caller.OrganisationId, booking.ResourceId, cancellationToken);
        if (resource is null || !caller.Covers(resource.Resource.LocationId))
        {
            return new BookingWriteResult(BookingWrite.UnknownResource);
        }

        if (booking.Time.Start < now - StartSlack)
        {
            return new BookingWriteResult(BookingWrite.StartInPast);
        }

        if (!resource.Bookable(booking.Time))
        {
            return new BookingWriteResult(BookingWrite.OutsideBookableHours);
        }

        var member = await LockMemberAsync(conn, tx, caller.OrganisationId, booking.MemberId, cancellationToken);
        if (member is null)
        {
            return new BookingWriteResult(BookingWrite.UnknownMember);
        }

        var refused = await CheckRulesAsync(
            conn, tx, caller.OrganisationId, member, resource, booking.Time, booking.OnBehalf, null, booking.SeriesId is not null, now, cancellationToken);
        if (refused is not null)
        {
            return refused;
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
        if (!await InsertAsync(conn, tx, row, caller.ApiKeyId, cancellationToken))
        {
            return new BookingWriteResult(BookingWrite.Overlap);
        }

        var doors = await Passes.DoorsOfAreaAsync(conn, tx, resource.Resource.AreaId, cancellationToken);
        var pass = await Passes.IssueAsync(
            conn, tx, caller.OrganisationId, member.Id, row.Id, row.LocationId, member.PinKey, doors, allDoors: false,
            row.StartsAt - BookingRow.AccessLead, row.EndsAt, now, cancellationToken);
        await ChangeLog.AppendAsync(conn, tx, pass.Changes, now, cancellationToken);
        return new BookingWriteResult(BookingWrite.Done, row.ToResponse(pass.Pin, pass.QrPayload));
    }

    /// <summary>
    /// Inserts a row inside a savepoint; false when the exclusion constraint refuses it because the resource is
    /// taken then. The savepoint keeps the caller's transaction usable (a series books on after a conflict).
    /// </summary>
    internal static async Task<bool> InsertAsync(NpgsqlConnection conn, NpgsqlTransaction tx, BookingRow row, Guid bookedBy, CancellationToken cancellationToken)
    {
        await tx.SaveAsync("booking", cancellationToken);
        try
        {
            await LockResourceAsync(conn, tx, row.ResourceId, cancellationToken);
            await conn.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO bookings (id, organisation_id, location_id, resource_id, resource_kind, kind, member_id, series_id, starts_at, ends_at,
                                      note, booked_by, on_behalf, created_at, updated_at)
                VALUES (@Id, @OrganisationId, @LocationId, @ResourceId, @ResourceKind, @Kind, @MemberId, @SeriesId, @StartsAt, @EndsAt,
                        @Note, @bookedBy, @OnBehalf, @CreatedAt, @UpdatedAt)
                """,
                new
                {
                    row.Id, row.OrganisationId, row.LocationId, row.ResourceId, row.ResourceKind, row.Kind, row.MemberId, row.SeriesId, row.StartsAt, row.EndsAt,
                    row.Note, bookedBy, row.OnBehalf, row.CreatedAt, row.UpdatedAt,
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
    /// index entry, which PostgreSQL resolves as a deadlock a second later instead of a prompt 409.
    /// </summary>
    private static Task LockResourceAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid resourceId, CancellationToken cancellationToken) =>
        conn.ExecuteAsync(new CommandDefinition(
            "SELECT 1 FROM resources WHERE id = @resourceId FOR NO KEY UPDATE", new { resourceId }, tx, cancellationToken: cancellationToken));

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
                filter.IncludeCancelled, afterAt = after?.At, afterId = after?.Id, take = limit + 1,
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
            await ChangeLog.AppendAsync(conn, tx, await Passes.RevokeAsync(conn, tx, id, row.LocationId, removeGrant: true, now, cancellationToken), now, cancellationToken);
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
            var doors = await Passes.DoorsOfAreaAsync(conn, tx, resource.Resource.AreaId, cancellationToken);
            var grant = Changes.PassGrant(id, doors, allDoors: false, moved.StartsAt - BookingRow.AccessLead, moved.EndsAt);
            await ChangeLog.AppendAsync(conn, tx, [new LocationChange(moved.LocationId, grant)], now, cancellationToken);
        }

        await tx.CommitAsync(cancellationToken);
        return new BookingWriteResult(BookingWrite.Done, moved.ToResponse());
    }

    /// <summary>
    /// The tier rules for a member's booking (only the member's status when an operator books on behalf), or null
    /// when it may go ahead. Usage excludes <paramref name="excluding"/>, the booking being moved.
    /// </summary>
    internal static async Task<BookingWriteResult?> CheckRulesAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, Guid organisationId, LockedMember member, BookableResource resource, Interval booking, bool onBehalf,
        Guid? excluding, bool inSeries, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (onBehalf)
        {
            return member.Status == MemberStatus.Active ? null : new BookingWriteResult(BookingWrite.RuleBroken, Violation: new RuleViolation(TierRule.MemberStatus, null));
        }

        var tiers = await TierStore.AllEffectiveAsync(conn, tx, organisationId, resource.Resource.LocationId, cancellationToken);
        var current = tiers.FirstOrDefault(t => t.Id == member.TierId);
        var facts = new BookingRequestFacts(
            member.Status, member.HomeLocationId, resource.Resource.LocationId, resource.Resource.Kind, booking, now,
            resource.StaffedHours.Covers(booking, resource.Zone),
            await UsageAsync(conn, tx, member.Id, resource, booking, excluding, now, cancellationToken),
            inSeries);
        var violation = TierRules.Check(current?.Terms, facts);
        return violation is null
            ? null
            : new BookingWriteResult(BookingWrite.RuleBroken, Violation: violation, CurrentTier: current, UpgradeTo: TierRules.TierThatAllows(tiers, current?.Id, facts));
    }

    /// <summary>What the member has booked around <paramref name="booking"/>, counted with it, in the resource location's zone.</summary>
    private static async Task<BookingUsage> UsageAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, Guid memberId, BookableResource resource, Interval booking, Guid? excluding, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var zone = resource.Zone;
        var days = ZoneTime.DatesOf(booking, zone).Select(d => ZoneTime.Day(d, zone)).ToList();
        var month = ZoneTime.Month(ZoneTime.DateOf(booking.Start, zone), zone);
        var from = days[0].Start < month.Start ? days[0].Start : month.Start;
        var to = days[^1].End > month.End ? days[^1].End : month.End;
        var rows = (await conn.QueryAsync<(DateTimeOffset StartsAt, DateTimeOffset EndsAt, string ResourceKind)>(new CommandDefinition(
            """
            SELECT starts_at, ends_at, resource_kind FROM bookings
            WHERE member_id = @memberId AND kind = 'member' AND cancelled_at IS NULL AND id <> @excluding
              AND ((starts_at < @to AND ends_at > @from) OR (resource_kind = 'meeting_room' AND ends_at > @now))
            """,
            new { memberId, excluding = excluding ?? Guid.Empty, from, to, now },
            tx,
            cancellationToken: cancellationToken))).Select(r => (Time: new Interval(r.StartsAt, r.EndsAt), IsRoom: r.ResourceKind == "meeting_room")).ToList();
        rows.Add((booking, resource.Resource.Kind == ResourceKind.MeetingRoom));

        var busiestDay = days.Max(day => rows.Aggregate(TimeSpan.Zero, (sum, r) => sum + r.Time.OverlapWith(day)));
        var inMonth = rows.Where(r => r.Time.Start >= month.Start && r.Time.Start < month.End).ToList();
        return new BookingUsage(
            busiestDay,
            rows.Count(r => r.IsRoom && r.Time.End > now),
            inMonth.Where(r => r.IsRoom).Aggregate(TimeSpan.Zero, (sum, r) => sum + r.Time.Length),
            inMonth.Count);
    }

    /// <summary>A member locked for the booking's transaction, with the membership's tier and the organisation's PIN key.</summary>
    internal sealed record LockedMember
    {
        public Guid Id { get; init; }

        public string StatusText { get; init; } = string.Empty;

        public Guid? HomeLocationId { get; init; }

        public Guid? TierId { get; init; }

        public byte[] PinKey { get; init; } = [];

        public MemberStatus Status => DbText.Parse<MemberStatus>(StatusText);
    }

    internal static Task<LockedMember?> LockMemberAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid organisationId, Guid memberId, CancellationToken cancellationToken) =>
        conn.QuerySingleOrDefaultAsync<LockedMember>(new CommandDefinition(
            """
            SELECT m.id, m.status AS status_text, m.home_location_id, ms.tier_id, o.pin_key
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
internal sealed record BookingFilter(Guid? MemberId, Guid? ResourceId, Guid? LocationId, DateTimeOffset? From, DateTimeOffset? To, bool IncludeCancelled);
