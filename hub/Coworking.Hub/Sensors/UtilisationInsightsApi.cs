using Coworking.Hub.Auth;
using Coworking.Hub.Billing;
using Coworking.Hub.Database;
using Coworking.Hub.Http;
using Coworking.Hub.Locations;
using Coworking.Hub.Resources;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Coworking.Hub.Sensors;

/// <summary>
/// One hour of one weekday (local time) over the range: minutes booked and occupied summed over the resources, and each
/// as a share of the time those resources had (resources × the weekday's days in the range × 60 minutes).
/// </summary>
/// <param name="Weekday">1 Monday … 7 Sunday.</param>
public sealed record HeatmapCell(int Weekday, int Hour, double BookedMinutes, double OccupiedMinutes, double BookedShare, double OccupiedShare);

public sealed record HeatmapResponse(Guid LocationId, string From, string To, ResourceKind? Kind, int Resources, IReadOnlyList<HeatmapCell> Cells);

/// <summary>Members' bookings by the member's tier: how many, minutes booked, minutes occupied during them, and no-shows.</summary>
public sealed record TierUtilisation(Guid TierId, string Name, int Bookings, double BookedMinutes, double OccupiedMinutes, double? OccupiedPerBooked, int NoShows);

public sealed record TierUtilisationResponse(Guid LocationId, string From, string To, int NoShowMinutes, IReadOnlyList<TierUtilisation> Items);

/// <summary>A member's booking of a sensed resource with no presence in its first minutes; <see cref="Released"/> when the no-show policy freed it.</summary>
public sealed record NoShow(
    Guid BookingId, Guid ResourceId, string Resource, ResourceKind Kind, Guid MemberId, string Member, string MemberEmail, DateTimeOffset StartsAt,
    DateTimeOffset EndsAt, bool Released);

/// <summary>
/// A resource occupied with nobody's booking, from one quarter of an hour to another; <see cref="PresenceFrom"/> is its first
/// occupied sample in them. <see cref="MemberId"/> is the member the access events attribute it to: the one whose badge
/// (or PIN) last opened a door of the resource's area in the <see cref="UtilisationInsightsApi.GhostUseAttributionMinutes"/>
/// before the presence started, at <see cref="DoorOpenedAt"/>; null when nobody did.
/// </summary>
public sealed record GhostUse(
    Guid ResourceId, string Resource, ResourceKind Kind, DateTimeOffset From, DateTimeOffset To, double OccupiedMinutes, DateTimeOffset PresenceFrom,
    Guid? MemberId, string? Member, string? MemberEmail, DateTimeOffset? DoorOpenedAt);

public sealed record UtilisationExceptionsResponse(Guid LocationId, string From, string To, int NoShowMinutes, IReadOnlyList<NoShow> NoShows, IReadOnlyList<GhostUse> GhostUse);

/// <summary>An area now: its resources with a live sensor, how many of them are occupied, and the people counted there (null without a counter).</summary>
public sealed record AreaOccupancy(Guid AreaId, string Name, int SensedResources, int OccupiedResources, int? People, DateTimeOffset? LastSampleAt);

public sealed record OccupancyNowResponse(Guid LocationId, DateTimeOffset At, IReadOnlyList<AreaOccupancy> Areas);

/// <summary>
/// Utilisation looked at from the sides the operator decides by (ARCHITECTURE §11): hour of day × weekday, members' tiers,
/// no-shows and ghost use, and occupancy now per area; the lists also as CSV. All from the 15-minute rollups except
/// occupancy now, which is the newest sample of each resource.
/// </summary>
public static class UtilisationInsightsApi
{
    public const int DefaultNoShowMinutes = 15;

    /// <summary>Occupied quarters shorter than this in all are not listed as ghost use (a cleaner passing through).</summary>
    public const int GhostUseMinimumSeconds = 300;

    /// <summary>A door of the area opened by a member at most this long before a ghost use's presence started names that member.</summary>
    public const int GhostUseAttributionMinutes = 10;

    public static IEndpointRouteBuilder MapUtilisationInsightsApi(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/locations/{id:guid}").WithTags("Sensors");
        api.MapGet("/utilisation/heatmap", GetHeatmap);
        api.MapGet("/utilisation/heatmap.csv", GetHeatmapCsv);
        api.MapGet("/utilisation/tiers", GetTiers);
        api.MapGet("/utilisation/exceptions", GetExceptions);
        api.MapGet("/utilisation/exceptions.csv", GetExceptionsCsv);
        api.MapGet("/utilisation.csv", GetUtilisationCsv);
        api.MapGet("/occupancy", GetOccupancyNow);
        return routes;
    }

    internal static async Task<Results<Ok<HeatmapResponse>, ValidationProblem, NotFound>> GetHeatmap(
        Guid id, string? from, string? to, string? kind, Caller caller, LocationStore locations, TenantDataSource db, TimeProvider time, CancellationToken cancellationToken)
    {
        var (range, problem) = await RangeAsync(id, from, to, caller, locations, time, cancellationToken, kind);
        if (range is null)
        {
            return problem is null ? TypedResults.NotFound() : problem;
        }

        return TypedResults.Ok(await HeatmapAsync(range, db, cancellationToken));
    }

    internal static async Task<Results<FileContentHttpResult, ValidationProblem, NotFound>> GetHeatmapCsv(
        Guid id, string? from, string? to, string? kind, Caller caller, LocationStore locations, TenantDataSource db, TimeProvider time, CancellationToken cancellationToken)
    {
        var (range, problem) = await RangeAsync(id, from, to, caller, locations, time, cancellationToken, kind);
        if (range is null)
        {
            return problem is null ? TypedResults.NotFound() : problem;
        }

        var heatmap = await HeatmapAsync(range, db, cancellationToken);
        return InvoicesApi.Csv(
            "utilisation-heatmap.csv",
            ["weekday", "hour", "booked_minutes", "occupied_minutes", "booked_share", "occupied_share"],
            heatmap.Cells.Select(c => new object?[] { c.Weekday, c.Hour, c.BookedMinutes, c.OccupiedMinutes, c.BookedShare, c.OccupiedShare }));
    }

    internal static async Task<Results<Ok<TierUtilisationResponse>, ValidationProblem, NotFound>> GetTiers(
        Guid id, string? from, string? to, int? noShowMinutes, Caller caller, LocationStore locations, TenantDataSource db, TimeProvider time, CancellationToken cancellationToken)
    {
        var (range, problem) = await RangeAsync(id, from, to, caller, locations, time, cancellationToken, noShowMinutes: noShowMinutes);
        if (range is null)
        {
            return problem is null ? TypedResults.NotFound() : problem;
        }

        var bookings = await BookingsAsync(range, db, cancellationToken);
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var tiers = (await conn.QueryAsync<(Guid Id, string Name)>(new CommandDefinition(
            "SELECT id, name FROM tiers WHERE organisation_id = @organisationId", new { organisationId = caller.OrganisationId }, cancellationToken: cancellationToken)))
            .ToDictionary(t => t.Id, t => t.Name);
        var items = bookings.Where(b => b.TierId is not null).GroupBy(b => b.TierId!.Value).Select(g =>
        {
            var booked = g.Sum(b => b.BookedSeconds);
            var occupied = g.Sum(b => b.OccupiedSeconds);
            return new TierUtilisation(g.Key, tiers.GetValueOrDefault(g.Key, ""), g.Count(), Minutes(booked), Minutes(occupied),
                booked == 0 ? null : Math.Round(occupied / booked, 3), g.Count(b => b.IsNoShow));
        }).OrderBy(t => t.Name, StringComparer.Ordinal).ToList();
        return TypedResults.Ok(new TierUtilisationResponse(id, range.FromText, range.ToText, range.NoShowMinutes, items));
    }

    internal static async Task<Results<Ok<UtilisationExceptionsResponse>, ValidationProblem, NotFound>> GetExceptions(
        Guid id, string? from, string? to, int? noShowMinutes, Caller caller, LocationStore locations, TenantDataSource db, TimeProvider time, CancellationToken cancellationToken)
    {
        var (range, problem) = await RangeAsync(id, from, to, caller, locations, time, cancellationToken, noShowMinutes: noShowMinutes);
        if (range is null)
        {
            return problem is null ? TypedResults.NotFound() : problem;
        }

        return TypedResults.Ok(await ExceptionsAsync(range, db, cancellationToken));
    }

    internal static async Task<Results<FileContentHttpResult, ValidationProblem, NotFound>> GetExceptionsCsv(
        Guid id, string? from, string? to, int? noShowMinutes, Caller caller, LocationStore locations, TenantDataSource db, TimeProvider time, CancellationToken cancellationToken)
    {
        var (range, problem) = await RangeAsync(id, from, to, caller, locations, time, cancellationToken, noShowMinutes: noShowMinutes);
        if (range is null)
        {
            return problem is null ? TypedResults.NotFound() : problem;
        }

        var exceptions = await ExceptionsAsync(range, db, cancellationToken);
        var rows = exceptions.NoShows.Select(n => new object?[]
            {
                n.Released ? "no_show_released" : "no_show", n.ResourceId, n.Resource, n.Kind.ToDb(), n.StartsAt, n.EndsAt, n.BookingId, n.MemberId, n.Member, n.MemberEmail, null,
            })
            .Concat(exceptions.GhostUse.Select(g => new object?[] { "ghost_use", g.ResourceId, g.Resource, g.Kind.ToDb(), g.From, g.To, null, g.MemberId, g.Member, g.MemberEmail, g.OccupiedMinutes }));
        return InvoicesApi.Csv(
            "utilisation-exceptions.csv",
            ["what", "resource_id", "resource", "kind", "from", "to", "booking_id", "member_id", "member", "email", "occupied_minutes"],
            rows);
    }

    internal static async Task<Results<FileContentHttpResult, ValidationProblem, NotFound>> GetUtilisationCsv(
        Guid id, string? from, string? to, string? by, Caller caller, LocationStore locations, TenantDataSource db, CancellationToken cancellationToken)
    {
        var answer = await UtilisationApi.GetUtilisation(id, from, to, by, caller, locations, db, cancellationToken);
        return answer.Result switch
        {
            Ok<UtilisationResponse> ok => InvoicesApi.Csv(
                "utilisation.csv",
                ["resource_id", "area_id", "kind", "name", "resources", "booked_minutes", "occupied_minutes", "occupied_per_booked"],
                ok.Value!.Items.Select(i => new object?[] { i.ResourceId, i.AreaId, i.Kind?.ToDb(), i.Name, i.Resources, i.BookedMinutes, i.OccupiedMinutes, i.OccupiedPerBooked })),
            ValidationProblem problem => problem,
            _ => TypedResults.NotFound(),
        };
    }

    internal static async Task<Results<Ok<OccupancyNowResponse>, NotFound>> GetOccupancyNow(
        Guid id, Caller caller, LocationStore locations, TenantDataSource db, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!caller.Covers(id) || await locations.GetAsync(caller.OrganisationId, id, cancellationToken) is null)
        {
            return TypedResults.NotFound();
        }

        var now = time.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var areas = await conn.QueryAsync<AreaRow>(new CommandDefinition(
            """
            WITH sensed AS (
                SELECT DISTINCT s.resource_id FROM sensors s WHERE s.location_id = @id AND s.removed_at IS NULL AND s.resource_id IS NOT NULL
            ), latest AS (
                SELECT r.id, r.area_id, x.occupied, x.people_count, x.occurred_at
                FROM resources r
                JOIN sensed ON sensed.resource_id = r.id
                LEFT JOIN LATERAL (
                    SELECT s.occupied, s.people_count, s.occurred_at FROM sensor_samples s
                    WHERE s.resource_id = r.id AND s.location_id = r.location_id AND s.occurred_at <= @now
                    ORDER BY s.occurred_at DESC LIMIT 1
                ) x ON true
                WHERE r.location_id = @id AND r.removed_at IS NULL
            ), area_wide AS (
                SELECT DISTINCT ON (s.area_id) s.area_id, s.people_count, s.occurred_at FROM sensor_samples s
                WHERE s.location_id = @id AND s.resource_id IS NULL AND s.occurred_at <= @now AND s.occurred_at > @now - interval '1 day'
                ORDER BY s.area_id, s.occurred_at DESC
            )
            SELECT a.id AS areaid, a.name,
                   count(l.id)::int AS sensedresources,
                   (count(l.id) FILTER (WHERE l.occupied))::int AS occupiedresources,
                   coalesce(w.people_count, sum(l.people_count)::int) AS people,
                   greatest(max(l.occurred_at), max(w.occurred_at)) AS lastsampleat
            FROM areas a
            LEFT JOIN latest l ON l.area_id = a.id
            LEFT JOIN area_wide w ON w.area_id = a.id
            WHERE a.location_id = @id AND a.removed_at IS NULL
            GROUP BY a.id, a.name, w.people_count
            ORDER BY a.name, a.id
            """,
            new { id, now },
            cancellationToken: cancellationToken));
        return TypedResults.Ok(new OccupancyNowResponse(id, now,
            [.. areas.Select(a => new AreaOccupancy(a.AreaId, a.Name, a.SensedResources, a.OccupiedResources, a.People, a.LastSampleAt))]));
    }

    private static async Task<HeatmapResponse> HeatmapAsync(UtilisationRange range, TenantDataSource db, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var kind = range.Kind?.ToDb();
        var resources = await conn.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT count(*) FROM resources WHERE location_id = @id AND removed_at IS NULL AND (@kind::text IS NULL OR kind = @kind)",
            new { id = range.LocationId, kind },
            cancellationToken: cancellationToken));
        var sums = (await conn.QueryAsync<(int Weekday, int Hour, long Booked, long Occupied)>(new CommandDefinition(
            """
            SELECT extract(isodow FROM u.quarter AT TIME ZONE @zone)::int, extract(hour FROM u.quarter AT TIME ZONE @zone)::int,
                   sum(u.booked_s)::bigint, sum(u.occupied_s)::bigint
            FROM utilisation_quarters u
            JOIN resources r ON r.id = u.resource_id
            WHERE u.location_id = @id AND u.quarter >= @start AND u.quarter < @end AND (@kind::text IS NULL OR r.kind = @kind)
            GROUP BY 1, 2
            """,
            new { id = range.LocationId, zone = range.TimeZone, start = range.Start, end = range.End, kind },
            commandTimeout: 120,
            cancellationToken: cancellationToken))).ToDictionary(s => (s.Weekday, s.Hour));
        var days = new int[8];
        for (var day = range.From; day <= range.To; day = day.AddDays(1))
        {
            days[day.DayOfWeek == DayOfWeek.Sunday ? 7 : (int)day.DayOfWeek]++;
        }

        var cells = new List<HeatmapCell>(7 * 24);
        for (var weekday = 1; weekday <= 7; weekday++)
        {
            for (var hour = 0; hour < 24; hour++)
            {
                var (booked, occupied) = sums.TryGetValue((weekday, hour), out var s) ? (s.Booked, s.Occupied) : (0L, 0L);
                double capacity = resources * days[weekday] * 3600L;
                cells.Add(new HeatmapCell(weekday, hour, Minutes(booked), Minutes(occupied),
                    capacity == 0 ? 0 : Math.Round(booked / capacity, 4), capacity == 0 ? 0 : Math.Round(occupied / capacity, 4)));
            }
        }

        return new HeatmapResponse(range.LocationId, range.FromText, range.ToText, range.Kind, resources, cells);
    }

    private static async Task<UtilisationExceptionsResponse> ExceptionsAsync(UtilisationRange range, TenantDataSource db, CancellationToken cancellationToken)
    {
        var noShows = (await BookingsAsync(range, db, cancellationToken)).Where(b => b.IsNoShow)
            .Select(b => new NoShow(b.BookingId, b.ResourceId, b.Resource, DbText.Parse<ResourceKind>(b.Kind), b.MemberId, b.Member, b.MemberEmail, b.StartsAt,
                b.EndsAt, b.Released))
            .ToList();
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var ghosts = await conn.QueryAsync<GhostRow>(new CommandDefinition(
            """
            WITH runs AS (
                SELECT g.resource_id, r.name, r.kind, r.area_id, min(g.quarter) AS run_from, max(g.quarter) + interval '15 minutes' AS run_to,
                       sum(g.occupied_s)::bigint AS occupied_s
                FROM (
                    SELECT u.resource_id, u.quarter, u.occupied_s,
                           u.quarter - (row_number() OVER (PARTITION BY u.resource_id ORDER BY u.quarter)) * interval '15 minutes' AS run
                    FROM utilisation_quarters u
                    WHERE u.location_id = @id AND u.quarter >= @start AND u.quarter < @end AND u.occupied_s > 0 AND u.booked_s = 0
                ) g
                JOIN resources r ON r.id = g.resource_id
                GROUP BY g.resource_id, r.name, r.kind, r.area_id, g.run
                HAVING sum(g.occupied_s) >= @minimum
            )
            SELECT runs.resource_id AS resourceid, runs.name AS resource, runs.kind, runs.run_from AS "from", runs.run_to AS "to",
                   runs.occupied_s AS occupiedseconds, p.started AS presencefrom, opened.member_id AS memberid, m.name AS member,
                   m.email AS memberemail, opened.occurred_at AS dooropenedat
            FROM runs
            CROSS JOIN LATERAL (
                SELECT coalesce(min(s.occurred_at), runs.run_from) AS started FROM sensor_samples s
                WHERE s.resource_id = runs.resource_id AND s.location_id = @id AND s.occupied
                  AND s.occurred_at >= runs.run_from AND s.occurred_at < runs.run_to
            ) p
            LEFT JOIN LATERAL (
                SELECT e.member_id, e.occurred_at FROM access_events e
                JOIN doors d ON d.id = e.door_id
                WHERE d.area_id = runs.area_id AND e.location_id = @id AND e.decision = 'granted' AND e.member_id IS NOT NULL
                  AND e.occurred_at <= p.started AND e.occurred_at >= p.started - @window
                ORDER BY e.occurred_at DESC, e.id DESC LIMIT 1
            ) opened ON true
            LEFT JOIN members m ON m.id = opened.member_id
            ORDER BY runs.run_from, runs.name
            """,
            new { id = range.LocationId, start = range.Start, end = range.End, minimum = GhostUseMinimumSeconds, window = TimeSpan.FromMinutes(GhostUseAttributionMinutes) },
            cancellationToken: cancellationToken));
        return new UtilisationExceptionsResponse(range.LocationId, range.FromText, range.ToText, range.NoShowMinutes, noShows,
            [.. ghosts.Select(g => new GhostUse(g.ResourceId, g.Resource, DbText.Parse<ResourceKind>(g.Kind), g.From, g.To, Minutes(g.OccupiedSeconds), g.PresenceFrom,
                g.MemberId, g.Member, g.MemberEmail, g.DoorOpenedAt))]);
    }

    /// <summary>
    /// Members' bookings that started in the range (and have started by now) with the seconds their resource was occupied
    /// during them, from the quarters (each quarter's occupied seconds by how much of it the booking covers). A booking is
    /// a no-show when its resource had a live sensor when it started, its first N minutes have passed, and the quarters
    /// they touch hold no occupied second; bookings the no-show policy released count, though cancelled.
    /// </summary>
    private static async Task<IReadOnlyList<BookingRow>> BookingsAsync(UtilisationRange range, TenantDataSource db, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        return [.. await conn.QueryAsync<BookingRow>(new CommandDefinition(
            """
            WITH b AS (
                SELECT b.id, b.resource_id, b.member_id, b.starts_at, b.ends_at, least(b.ends_at, coalesce(nr.released_at, @now)) AS counted_until,
                       nr.booking_id IS NOT NULL AS released
                FROM bookings b
                LEFT JOIN no_show_releases nr ON nr.booking_id = b.id
                WHERE b.location_id = @id AND b.kind = 'member' AND b.starts_at >= @start AND b.starts_at < @end AND b.starts_at < @now
                  AND (b.cancelled_at IS NULL OR nr.booking_id IS NOT NULL)
            ), occupied AS (
                SELECT b.id,
                       coalesce(sum(u.occupied_s * extract(epoch FROM least(u.quarter + interval '15 minutes', b.counted_until) - greatest(u.quarter, b.starts_at)) / 900.0), 0) AS seconds,
                       coalesce(sum(u.occupied_s) FILTER (WHERE u.quarter < b.starts_at + @noShow), 0) AS early
                FROM b
                LEFT JOIN utilisation_quarters u ON u.resource_id = b.resource_id AND u.quarter < b.counted_until AND u.quarter + interval '15 minutes' > b.starts_at
                GROUP BY b.id
            )
            SELECT b.id AS bookingid, b.resource_id AS resourceid, r.name AS resource, r.kind, b.member_id AS memberid, m.name AS member, m.email AS memberemail,
                   ms.tier_id AS tierid, b.starts_at AS startsat, b.ends_at AS endsat, b.released,
                   extract(epoch FROM b.counted_until - b.starts_at)::double precision AS bookedseconds, o.seconds::double precision AS occupiedseconds,
                   (o.early = 0 AND b.starts_at + @noShow <= @now AND EXISTS (
                       SELECT 1 FROM sensors s WHERE s.resource_id = b.resource_id AND s.kind <> 'co2' AND s.created_at <= b.starts_at
                                                 AND (s.removed_at IS NULL OR s.removed_at > b.starts_at))) AS isnoshow
            FROM b
            JOIN occupied o ON o.id = b.id
            JOIN resources r ON r.id = b.resource_id
            JOIN members m ON m.id = b.member_id
            LEFT JOIN memberships ms ON ms.member_id = b.member_id
            ORDER BY b.starts_at, r.name, b.id
            """,
            new { id = range.LocationId, start = range.Start, end = range.End, now = range.Now, noShow = TimeSpan.FromMinutes(range.NoShowMinutes) },
            cancellationToken: cancellationToken))];
    }

    private static async Task<(UtilisationRange? Range, ValidationProblem? Problem)> RangeAsync(
        Guid id, string? from, string? to, Caller caller, LocationStore locations, TimeProvider time, CancellationToken cancellationToken, string? kind = null,
        int? noShowMinutes = null)
    {
        if (!caller.Covers(id) || await locations.GetAsync(caller.OrganisationId, id, cancellationToken) is not { } location)
        {
            return (null, null);
        }

        var errors = new ValidationErrors();
        var first = UtilisationApi.Date(from, "from", errors);
        var last = UtilisationApi.Date(to, "to", errors);
        ResourceKind? resourceKind = null;
        if (kind is not null)
        {
            if (DbText.TryParse<ResourceKind>(kind, out var parsed))
            {
                resourceKind = parsed;
            }
            else
            {
                errors.Add("kind", "must be a resource kind: hot_desk, dedicated_desk, meeting_room, private_office, event_space or phone_booth");
            }
        }

        if (noShowMinutes is < 1 or > 240)
        {
            errors.Add("noShowMinutes", "must be 1 to 240 minutes");
        }

        if (first is { } a && last is { } b && (b < a || b.DayNumber - a.DayNumber >= UtilisationApi.MaxDays))
        {
            errors.Add("to", $"must be on or after from, and at most {UtilisationApi.MaxDays} days of it");
        }

        if (errors.Any)
        {
            return (null, errors.ToProblem());
        }

        var zone = ZoneTime.Zone(location.TimeZone);
        return (new UtilisationRange(id, location.TimeZone, first!.Value, last!.Value, ZoneTime.At(first.Value, 0, zone), ZoneTime.At(last.Value.AddDays(1), 0, zone),
            resourceKind, noShowMinutes ?? DefaultNoShowMinutes, time.GetUtcNow()), null);
    }

    private static double Minutes(double seconds) => Math.Round(seconds / 60.0, 2);

    private sealed record UtilisationRange(
        Guid LocationId, string TimeZone, DateOnly From, DateOnly To, DateTimeOffset Start, DateTimeOffset End, ResourceKind? Kind, int NoShowMinutes, DateTimeOffset Now)
    {
        public string FromText => UtilisationApi.Text(From);

        public string ToText => UtilisationApi.Text(To);
    }

    private sealed record BookingRow
    {
        public Guid BookingId { get; init; }

        public Guid ResourceId { get; init; }

        public string Resource { get; init; } = string.Empty;

        public string Kind { get; init; } = string.Empty;

        public Guid MemberId { get; init; }

        public string Member { get; init; } = string.Empty;

        public string MemberEmail { get; init; } = string.Empty;

        public Guid? TierId { get; init; }

        public DateTimeOffset StartsAt { get; init; }

        public DateTimeOffset EndsAt { get; init; }

        public bool Released { get; init; }

        public double BookedSeconds { get; init; }

        public double OccupiedSeconds { get; init; }

        public bool IsNoShow { get; init; }
    }

    private sealed record GhostRow
    {
        public Guid ResourceId { get; init; }

        public string Resource { get; init; } = string.Empty;

        public string Kind { get; init; } = string.Empty;

        public DateTimeOffset From { get; init; }

        public DateTimeOffset To { get; init; }

        public long OccupiedSeconds { get; init; }

        public DateTimeOffset PresenceFrom { get; init; }

        public Guid? MemberId { get; init; }

        public string? Member { get; init; }

        public string? MemberEmail { get; init; }

        public DateTimeOffset? DoorOpenedAt { get; init; }
    }

    private sealed record AreaRow
    {
        public Guid AreaId { get; init; }

        public string Name { get; init; } = string.Empty;

        public int SensedResources { get; init; }

        public int OccupiedResources { get; init; }

        public int? People { get; init; }

        public DateTimeOffset? LastSampleAt { get; init; }
    }
}
