using System.Globalization;
using System.Net;
using Coworking.Hub.Access;
using Coworking.Hub.Auth;
using Coworking.Hub.Database;
using Coworking.Hub.Http;
using Coworking.Hub.Locations;
using Coworking.Hub.Mail;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using MimeKit;
using Npgsql;

namespace Coworking.Hub.Sensors;

/// <summary>A location's no-show policy: off by default; when on, bookings with no presence in their first <see cref="Minutes"/> are released.</summary>
public sealed record NoShowPolicyResponse(Guid LocationId, bool Enabled, int Minutes, DateTimeOffset? UpdatedAt);

public sealed record NoShowPolicyRequest(bool? Enabled, int? Minutes);

/// <summary>What the member's e-mail about a released booking is composed from.</summary>
internal sealed record NoShowReleasedMail(string Name, string Email, string Resource, string Location, string TimeZone, DateTimeOffset StartsAt, int Minutes);

/// <summary>
/// The no-show release policy (ARCHITECTURE §11): the operator switches it on per location; then every
/// <see cref="SensorOptions.NoShowInterval"/> the hub releases each member's booking of a sensed resource (a live sensor
/// other than CO2 that existed when it started) whose first N minutes have passed with no presence — no occupied sample in
/// them and not occupied when they began — while its edge was heard through them (a 5-minute aggregate or a sample of the
/// resource reaching past them), so an edge that is down never releases anything. Releasing cancels the booking, revokes
/// its PIN and QR through the access compiler (the edges refuse them at the next sync), records the release and queues
/// the member's e-mail, in one transaction.
/// </summary>
internal sealed class NoShowReleaser(TenantDataSource db, MailQueue queue, TimeProvider time, IOptions<SensorOptions> options, ILogger<NoShowReleaser> log)
    : BackgroundService, IMailComposer
{
    public const string MailKind = "no_show_released";

    public const int DefaultMinutes = 15;

    public IReadOnlyCollection<string> Kinds { get; } = [MailKind];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.NoShowInterval, time);
        do
        {
            try
            {
                await ReleaseAsync(stoppingToken);
            }
            catch (NpgsqlException ex)
            {
                log.LogWarning(ex, "No-show release failed; trying again next round");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>Releases every no-show due now; the bookings released.</summary>
    public async Task<IReadOnlyList<Guid>> ReleaseAsync(CancellationToken cancellationToken)
    {
        using var system = TenantScope.System("no-show release: every organisation's bookings with a policy on");
        var now = time.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        var due = (await conn.QueryAsync<DueRow>(new CommandDefinition(
            """
            SELECT b.id AS bookingid, b.organisation_id AS organisationid, b.location_id AS locationid, p.minutes, b.starts_at AS startsat,
                   m.name AS membername, m.email AS memberemail, r.name AS resource, l.name AS location, l.time_zone AS timezone
            FROM no_show_policies p
            JOIN bookings b ON b.location_id = p.location_id AND b.kind = 'member' AND b.cancelled_at IS NULL
            JOIN members m ON m.id = b.member_id
            JOIN resources r ON r.id = b.resource_id
            JOIN locations l ON l.id = b.location_id
            WHERE p.enabled
              AND b.starts_at + p.minutes * interval '1 minute' <= @now AND b.ends_at > @now
              AND NOT EXISTS (SELECT 1 FROM no_show_releases nr WHERE nr.booking_id = b.id)
              AND EXISTS (SELECT 1 FROM sensors s WHERE s.resource_id = b.resource_id AND s.kind <> 'co2' AND s.created_at <= b.starts_at AND s.removed_at IS NULL)
              AND (EXISTS (SELECT 1 FROM occupancy_windows w WHERE w.resource_id = b.resource_id AND w.location_id = b.location_id
                                                          AND w.window_start + w.window_s * interval '1 second' >= b.starts_at + p.minutes * interval '1 minute')
                   OR EXISTS (SELECT 1 FROM sensor_samples s WHERE s.resource_id = b.resource_id AND s.location_id = b.location_id
                                                          AND s.occurred_at >= b.starts_at + p.minutes * interval '1 minute'))
              AND NOT EXISTS (SELECT 1 FROM sensor_samples s WHERE s.resource_id = b.resource_id AND s.location_id = b.location_id AND s.occupied
                                                          AND s.occurred_at >= b.starts_at AND s.occurred_at < b.starts_at + p.minutes * interval '1 minute')
              AND coalesce((SELECT s.occupied FROM sensor_samples s WHERE s.resource_id = b.resource_id AND s.location_id = b.location_id
                                                          AND s.occurred_at < b.starts_at ORDER BY s.occurred_at DESC LIMIT 1), false) = false
            ORDER BY b.starts_at
            FOR UPDATE OF b SKIP LOCKED
            """,
            new { now },
            tx,
            cancellationToken: cancellationToken))).ToList();
        if (due.Count == 0)
        {
            await tx.CommitAsync(cancellationToken);
            return [];
        }

        var ids = due.Select(d => d.BookingId).ToArray();
        await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE bookings SET cancelled_at = @now, updated_at = @now WHERE id = ANY(@ids);
            INSERT INTO no_show_releases (booking_id, organisation_id, location_id, released_at, minutes)
            SELECT b.id, b.organisation_id, b.location_id, @now, t.minutes
            FROM unnest(@ids, @minutes) AS t(id, minutes) JOIN bookings b ON b.id = t.id;
            """,
            new { now, ids, minutes = due.Select(d => d.Minutes).ToArray() },
            tx,
            cancellationToken: cancellationToken));
        foreach (var booking in due)
        {
            await Passes.RevokeAsync(conn, tx, booking.BookingId, now, cancellationToken);
            await queue.QueueAsync(conn, tx, MailKind,
                new NoShowReleasedMail(booking.MemberName, booking.MemberEmail, booking.Resource, booking.Location, booking.TimeZone, booking.StartsAt, booking.Minutes),
                $"no-show release of booking {booking.BookingId}", cancellationToken);
        }

        await ChangeLog.AppendAsync(conn, tx, await AccessCompiler.PassesAsync(conn, tx, ids, cancellationToken), now, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        queue.WakeSender();
        foreach (var booking in due)
        {
            log.LogInformation("Released booking {BookingId} at location {LocationId}: no presence in its first {Minutes} minutes", booking.BookingId, booking.LocationId, booking.Minutes);
        }

        return ids;
    }

    public Task<MimeMessage> ComposeAsync(NpgsqlConnection conn, string kind, string payload, CancellationToken cancellationToken)
    {
        var mail = MailQueue.Read<NoShowReleasedMail>(payload);
        var local = TimeZoneInfo.ConvertTime(mail.StartsAt, ZoneTime.Zone(mail.TimeZone));
        var when = local.ToString("dddd d MMMM 'at' HH:mm", CultureInfo.InvariantCulture);
        var what = $"Your booking of {mail.Resource} at {mail.Location} on {when} was released: nobody was there in its first {mail.Minutes} minutes, so the space was freed for others and its door PIN no longer works.";
        var body = new BodyBuilder
        {
            TextBody = $"Hello {mail.Name},\n\n{what}\nIf you still need a space, book again.\n",
            HtmlBody = $"<p>Hello {WebUtility.HtmlEncode(mail.Name)},</p><p>{WebUtility.HtmlEncode(what)}</p><p>If you still need a space, book again.</p>",
        };
        var message = new MimeMessage { Subject = $"Your booking of {mail.Resource} was released", Body = body.ToMessageBody() };
        message.To.Add(new MailboxAddress(mail.Name, mail.Email));
        return Task.FromResult(message);
    }

    private sealed record DueRow
    {
        public Guid BookingId { get; init; }

        public Guid OrganisationId { get; init; }

        public Guid LocationId { get; init; }

        public int Minutes { get; init; }

        public DateTimeOffset StartsAt { get; init; }

        public string MemberName { get; init; } = string.Empty;

        public string MemberEmail { get; init; } = string.Empty;

        public string Resource { get; init; } = string.Empty;

        public string Location { get; init; } = string.Empty;

        public string TimeZone { get; init; } = string.Empty;
    }
}

/// <summary>GET and PUT /api/v1/locations/{id}/no-show-policy: managers of the location switch the release on or off and set its minutes.</summary>
public static class NoShowPolicyApi
{
    public static IEndpointRouteBuilder MapNoShowPolicyApi(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/locations/{id:guid}").WithTags("Sensors");
        api.MapGet("/no-show-policy", GetPolicy);
        api.MapPut("/no-show-policy", SetPolicy);
        return routes;
    }

    internal static async Task<Results<Ok<NoShowPolicyResponse>, NotFound>> GetPolicy(
        Guid id, Caller caller, LocationStore locations, TenantDataSource db, CancellationToken cancellationToken)
    {
        if (!caller.Covers(id) || await locations.GetAsync(caller.OrganisationId, id, cancellationToken) is null)
        {
            return TypedResults.NotFound();
        }

        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var row = await conn.QuerySingleOrDefaultAsync<PolicyRow>(new CommandDefinition(
            "SELECT enabled, minutes, updated_at AS updatedat FROM no_show_policies WHERE location_id = @id", new { id }, cancellationToken: cancellationToken));
        return TypedResults.Ok(row is null
            ? new NoShowPolicyResponse(id, false, NoShowReleaser.DefaultMinutes, null)
            : new NoShowPolicyResponse(id, row.Enabled, row.Minutes, row.UpdatedAt));
    }

    internal static async Task<Results<Ok<NoShowPolicyResponse>, ValidationProblem, ProblemHttpResult, NotFound>> SetPolicy(
        Guid id, NoShowPolicyRequest request, Caller caller, LocationStore locations, TenantDataSource db, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!caller.Covers(id) || await locations.GetAsync(caller.OrganisationId, id, cancellationToken) is null)
        {
            return TypedResults.NotFound();
        }

        if (!caller.IsManager)
        {
            return Problems.Forbidden("Only managers set the no-show policy.");
        }

        var errors = new ValidationErrors();
        if (request.Enabled is null)
        {
            errors.Add("enabled", "is required: true to release no-shows, false to keep them");
        }

        if (request.Minutes is not (null or (>= 5 and <= 240)))
        {
            errors.Add("minutes", "must be 5 to 240: how long a booking may stay without presence");
        }

        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var now = time.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var row = await conn.QuerySingleAsync<PolicyRow>(new CommandDefinition(
            """
            INSERT INTO no_show_policies (location_id, organisation_id, enabled, minutes, updated_at, updated_by)
            VALUES (@id, @organisationId, @enabled, coalesce(@minutes, @defaultMinutes), @now, @actor)
            ON CONFLICT (location_id) DO UPDATE
                SET enabled = excluded.enabled, minutes = coalesce(@minutes, no_show_policies.minutes), updated_at = excluded.updated_at, updated_by = excluded.updated_by
            RETURNING enabled, minutes, updated_at AS updatedat
            """,
            new
            {
                id, organisationId = caller.OrganisationId, enabled = request.Enabled!.Value, minutes = request.Minutes, defaultMinutes = NoShowReleaser.DefaultMinutes, now,
                actor = caller.Actor.Kind.ToDb() + ":" + caller.Actor.Id,
            },
            cancellationToken: cancellationToken));
        return TypedResults.Ok(new NoShowPolicyResponse(id, row.Enabled, row.Minutes, row.UpdatedAt));
    }

    private sealed record PolicyRow
    {
        public bool Enabled { get; init; }

        public int Minutes { get; init; }

        public DateTimeOffset UpdatedAt { get; init; }
    }
}
