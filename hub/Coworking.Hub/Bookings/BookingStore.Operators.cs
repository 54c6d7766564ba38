using Coworking.Hub.Access;
using Coworking.Hub.Auth;
using Coworking.Hub.Database;
using Coworking.Hub.Locations;
using Coworking.Hub.Mail;
using Coworking.Hub.Resources;
using Dapper;
using Npgsql;

namespace Coworking.Hub.Bookings;

/// <summary>A recurring series: on each of <see cref="Weekdays"/> from <see cref="From"/> to <see cref="Until"/> (local dates, inclusive), local times.</summary>
internal sealed record NewSeries(Guid MemberId, Guid ResourceId, IReadOnlySet<DayOfWeek> Weekdays, TimeOnly StartTime, TimeOnly EndTime, DateOnly From, DateOnly Until, bool OnBehalf);

/// <summary>One occurrence that was not booked, and why: the resource was taken, or a rule (with its limit) refused it.</summary>
public sealed record Conflict(DateTimeOffset Start, DateTimeOffset End, string Reason, string? Rule = null, object? Limit = null, Guid? ResourceId = null);

/// <summary>What a series or a hold booked, and each occurrence it could not.</summary>
public sealed record BatchResponse(Guid? SeriesId, IReadOnlyList<BookingResponse> Booked, IReadOnlyList<Conflict> Conflicts);

/// <summary>Operator overrides (maintenance blocks, area holds, transfers) and recurring series.</summary>
internal sealed partial class BookingStore
{
    /// <summary>
    /// Books each occurrence of a series in one transaction; an occurrence that is taken or breaks a rule is
    /// reported as a conflict and the others are booked. Occurrences fall on local dates at local times, so a
    /// 09:00 booking stays at 09:00 across a DST change. Unknown member or resource refuses the whole series.
    /// </summary>
    public async Task<(BookingWrite Outcome, BatchResponse? Batch)> CreateSeriesAsync(Caller caller, NewSeries series, CancellationToken cancellationToken)
    {
        var (outcome, batch) = await CreateSeriesOnceAsync(caller, series, cancellationToken);
        if (outcome == BookingWrite.Done && batch is not null)
        {
            CountCreated(caller, batch.Booked.Count);
        }

        return (outcome, batch);
    }

    private Task<(BookingWrite Outcome, BatchResponse? Batch)> CreateSeriesOnceAsync(Caller caller, NewSeries series, CancellationToken cancellationToken) =>
        Passes.RetryOnCollisionAsync(async () =>
        {
            var now = time.GetUtcNow();
            var seriesId = Guid.CreateVersion7(now);
            await using var conn = await db.OpenConnectionAsync(cancellationToken);
            await using var tx = await conn.BeginTransactionAsync(cancellationToken);
            var resource = await ResourceStore.GetAsync(conn, tx, caller.OrganisationId, series.ResourceId, cancellationToken);
            if (resource is null || !caller.Covers(resource.Resource.LocationId))
            {
                return (BookingWrite.UnknownResource, (BatchResponse?)null);
            }

            var booked = new List<BookingResponse>();
            var conflicts = new List<Conflict>();
            var changes = new List<LocationChange>();
            foreach (var occurrence in Occurrences(series, resource.Zone))
            {
                var result = await CreateInAsync(
                    conn, tx, caller, new NewBooking(series.MemberId, series.ResourceId, occurrence, series.OnBehalf, SeriesId: seriesId), now, changes, cancellationToken);
                switch (result.Outcome)
                {
                    case BookingWrite.Done:
                        booked.Add(result.Booking!);
                        break;
                    case BookingWrite.UnknownMember:
                        return (BookingWrite.UnknownMember, null);
                    default:
                        conflicts.Add(ConflictOf(occurrence, result, null));
                        break;
                }
            }

            await ChangeLog.AppendAsync(conn, tx, changes, now, cancellationToken);
            await QueueConfirmationAsync(conn, tx, booked, conflicts, now, cancellationToken);
            await tx.CommitAsync(cancellationToken);
            confirmations.WakeSender();
            return (BookingWrite.Done, new BatchResponse(seriesId, booked, conflicts));
        });

    /// <summary>Queues the member's confirmation of what <paramref name="tx"/> books, so it is mailed exactly when that commits.</summary>
    private static async Task QueueConfirmationAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, IReadOnlyList<BookingResponse> booked, IReadOnlyList<Conflict> conflicts, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        if (Confirmations.BookingsCommand(booked, conflicts, now) is { } mail)
        {
            await using var batch = new NpgsqlBatch(conn, tx) { BatchCommands = { mail } };
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>The occurrences of a series as instants, DST-correct in the resource's zone.</summary>
    internal static IEnumerable<Interval> Occurrences(NewSeries series, TimeZoneInfo zone)
    {
        var startMinute = (series.StartTime.Hour * 60) + series.StartTime.Minute;
        var endMinute = series.EndTime == TimeOnly.MinValue ? 1440 : (series.EndTime.Hour * 60) + series.EndTime.Minute;
        for (var date = series.From; date <= series.Until; date = date.AddDays(1))
        {
            if (series.Weekdays.Contains(date.DayOfWeek))
            {
                yield return new Interval(ZoneTime.At(date, startMinute, zone), ZoneTime.At(date, endMinute, zone));
            }
        }
    }

    /// <summary>Cancels the occurrences of a series that have not started; answers them, or null when the series is unknown.</summary>
    public async Task<IReadOnlyList<BookingResponse>?> CancelSeriesAsync(Caller caller, Guid seriesId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        var rows = (await conn.QueryAsync<BookingRow>(new CommandDefinition(
            $"SELECT {BookingRow.Columns} FROM bookings WHERE series_id = @seriesId AND organisation_id = @organisationId ORDER BY starts_at FOR UPDATE",
            new { seriesId, organisationId = caller.OrganisationId },
            tx,
            cancellationToken: cancellationToken))).ToList();
        if (rows.Count == 0 || !caller.Covers(rows[0].LocationId))
        {
            return null;
        }

        var cancelled = new List<BookingResponse>();
        foreach (var row in rows.Where(r => r.CancelledAt is null && r.StartsAt > now))
        {
            await conn.ExecuteAsync(new CommandDefinition(
                "UPDATE bookings SET cancelled_at = @now, updated_at = @now WHERE id = @Id", new { row.Id, now }, tx, cancellationToken: cancellationToken));
            await Passes.RevokeAsync(conn, tx, row.Id, now, cancellationToken);
            cancelled.Add((row with { CancelledAt = now, UpdatedAt = now }).ToResponse());
        }

        await ChangeLog.AppendAsync(conn, tx, await AccessCompiler.PassesAsync(conn, tx, [.. cancelled.Select(c => c.Id)], cancellationToken), now, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return cancelled;
    }

    /// <summary>Blocks a resource for maintenance; refused (overlap) while anything else occupies the time.</summary>
    public async Task<BookingWriteResult> BlockAsync(Caller caller, Guid resourceId, Interval interval, string? note, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        var resource = await ResourceStore.GetAsync(conn, tx, caller.OrganisationId, resourceId, cancellationToken);
        if (resource is null || !caller.Covers(resource.Resource.LocationId))
        {
            return new BookingWriteResult(BookingWrite.NotFound);
        }

        var row = OperatorRow(caller, resource.Resource, "maintenance", interval, note, now);
        if (!await InsertAsync(conn, tx, row, caller.Actor, cancellationToken))
        {
            return new BookingWriteResult(BookingWrite.Overlap);
        }

        await tx.CommitAsync(cancellationToken);
        return new BookingWriteResult(BookingWrite.Done, row.ToResponse());
    }

    /// <summary>Holds every desk (hot and dedicated) of an area, e.g. for a team day; a taken desk is reported and the others held.</summary>
    public async Task<BatchResponse?> HoldAreaAsync(Caller caller, Guid locationId, Guid areaId, Interval interval, string? note, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        if (!caller.Covers(locationId) || !await conn.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT EXISTS (SELECT 1 FROM areas a JOIN locations l ON l.id = a.location_id WHERE a.id = @areaId AND a.removed_at IS NULL AND l.id = @locationId AND l.organisation_id = @organisationId)",
            new { areaId, locationId, organisationId = caller.OrganisationId },
            tx,
            cancellationToken: cancellationToken)))
        {
            return null;
        }

        // Desks are locked in id order, as a door change in the area locks them, so the two never deadlock.
        var desks = (await ResourceStore.ListAsync(conn, locationId, null, cancellationToken))
            .Where(r => r.AreaId == areaId && r.Kind is ResourceKind.HotDesk or ResourceKind.DedicatedDesk)
            .OrderBy(r => r.Id);
        var held = new List<BookingResponse>();
        var conflicts = new List<Conflict>();
        foreach (var desk in desks)
        {
            var row = OperatorRow(caller, desk, "hold", interval, note, now);
            if (await InsertAsync(conn, tx, row, caller.Actor, cancellationToken))
            {
                held.Add(row.ToResponse());
            }
            else
            {
                conflicts.Add(new Conflict(interval.Start, interval.End, "taken", ResourceId: desk.Id));
            }
        }

        await tx.CommitAsync(cancellationToken);
        return new BatchResponse(null, held, conflicts);
    }

    /// <summary>
    /// Gives a member's booking to another member, under the new member's tier (unless on behalf). The old PIN and
    /// QR are revoked and new ones issued, answered once here.
    /// </summary>
    public Task<BookingWriteResult> TransferAsync(Caller caller, Guid id, Guid memberId, bool onBehalf, CancellationToken cancellationToken) =>
        Passes.RetryOnCollisionAsync(async () =>
        {
            var now = time.GetUtcNow();
            await using var conn = await db.OpenConnectionAsync(cancellationToken);
            await using var tx = await conn.BeginTransactionAsync(cancellationToken);
            var row = await ReadAsync(conn, tx, caller.OrganisationId, id, forUpdate: true, cancellationToken);
            if (row is null || !caller.Covers(row.LocationId) || !row.IsMember)
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

            var member = await LockMemberAsync(conn, tx, caller.OrganisationId, memberId, cancellationToken);
            var resource = await ResourceStore.GetAsync(conn, tx, caller.OrganisationId, row.ResourceId, cancellationToken);

            // Transferring to a member homed outside the caller's locations is answered as for a member that does not exist.
            if (member is null || !caller.Covers(member.HomeLocationId))
            {
                return new BookingWriteResult(BookingWrite.UnknownMember);
            }

            if (resource is null)
            {
                return new BookingWriteResult(BookingWrite.UnknownResource);
            }

            var span = new Interval(row.StartsAt, row.EndsAt);
            var refused = await CheckRulesAsync(conn, tx, caller.OrganisationId, member, resource, span, onBehalf, row.Id, row.SeriesId is not null, now, cancellationToken);
            if (refused is not null)
            {
                return refused;
            }

            var transferred = row with { MemberId = memberId, OnBehalf = onBehalf, UpdatedAt = now };
            await conn.ExecuteAsync(new CommandDefinition(
                "UPDATE bookings SET member_id = @memberId, on_behalf = @onBehalf, updated_at = @now WHERE id = @id",
                new { memberId, onBehalf, now, id },
                tx,
                cancellationToken: cancellationToken));
            await Passes.RevokeAsync(conn, tx, id, now, cancellationToken);
            await LockResourceAsync(conn, tx, row.ResourceId, cancellationToken);
            var (pin, qr) = await Passes.IssueAsync(conn, tx, caller.OrganisationId, memberId, id, member.PassPin, now, cancellationToken);
            await ChangeLog.AppendAsync(conn, tx, await AccessCompiler.PassesAsync(conn, tx, [id], cancellationToken), now, cancellationToken);
            var answer = transferred.ToResponse(pin, qr);
            await QueueConfirmationAsync(conn, tx, [answer], [], now, cancellationToken);
            await tx.CommitAsync(cancellationToken);
            confirmations.WakeSender();
            return new BookingWriteResult(BookingWrite.Done, answer);
        });

    private static BookingRow OperatorRow(Caller caller, ResourceResponse resource, string kind, Interval interval, string? note, DateTimeOffset now) => new()
    {
        Id = Guid.CreateVersion7(now),
        OrganisationId = caller.OrganisationId,
        LocationId = resource.LocationId,
        ResourceId = resource.Id,
        ResourceKind = resource.Kind.ToDb(),
        Kind = kind,
        StartsAt = interval.Start,
        EndsAt = interval.End,
        Note = note,
        OnBehalf = true,
        CreatedAt = now,
        UpdatedAt = now,
    };

    private static Conflict ConflictOf(Interval occurrence, BookingWriteResult result, Guid? resourceId) => result.Outcome switch
    {
        BookingWrite.Overlap => new Conflict(occurrence.Start, occurrence.End, "taken", ResourceId: resourceId),
        BookingWrite.RuleBroken => new Conflict(
            occurrence.Start, occurrence.End, "rule", result.Violation!.Rule.ToDb(),
            result.Violation.Limit is IEnumerable<ResourceKind> kinds ? kinds.Select(k => k.ToDb()).ToArray() : result.Violation.Limit, resourceId),
        BookingWrite.OutsideBookableHours => new Conflict(occurrence.Start, occurrence.End, "outside_bookable_hours", ResourceId: resourceId),
        _ => new Conflict(occurrence.Start, occurrence.End, "in_the_past", ResourceId: resourceId),
    };
}
