using System.Globalization;
using Coworking.Hub.Auth;
using Coworking.Hub.Database;
using Coworking.Hub.Http;
using Coworking.Hub.Locations;
using Coworking.Hub.Resources;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Coworking.Hub.Sensors;

/// <summary>How the utilisation of a location is grouped.</summary>
public enum UtilisationGrouping
{
    Resource,
    Area,
    Kind,
    Location,
}

/// <summary>
/// Booked against really used for one group over the range: minutes members had it booked, minutes its sensors said it
/// was occupied (to the hundredth of a minute), and the second over the first (above 1 when it was used more than booked; null when nothing was booked).
/// </summary>
public sealed record UtilisationItem(
    Guid? ResourceId, Guid? AreaId, ResourceKind? Kind, string Name, int Resources, double BookedMinutes, double OccupiedMinutes, double? OccupiedPerBooked);

/// <summary>A location's utilisation from <see cref="From"/> to <see cref="To"/> (local dates, both included).</summary>
public sealed record UtilisationResponse(Guid LocationId, string From, string To, UtilisationGrouping By, IReadOnlyList<UtilisationItem> Items);

/// <summary>Utilisation of a location: booked hours against occupied hours, from the 15-minute rollups (ARCHITECTURE §11).</summary>
public static class UtilisationApi
{
    /// <summary>The longest range one request may ask for.</summary>
    public const int MaxDays = 366;

    public static IEndpointRouteBuilder MapUtilisationApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/locations/{id:guid}/utilisation", GetUtilisation).WithTags("Sensors");
        routes.MapUtilisationInsightsApi();
        routes.MapNoShowPolicyApi();
        return routes;
    }

    internal static async Task<Results<Ok<UtilisationResponse>, ValidationProblem, NotFound>> GetUtilisation(
        Guid id, string? from, string? to, string? by, Caller caller, LocationStore locations, TenantDataSource db, CancellationToken cancellationToken)
    {
        if (!caller.Covers(id) || await locations.GetAsync(caller.OrganisationId, id, cancellationToken) is not { } location)
        {
            return TypedResults.NotFound();
        }

        var errors = new ValidationErrors();
        var first = Date(from, "from", errors);
        var last = Date(to, "to", errors);
        var grouping = UtilisationGrouping.Resource;
        if (by is not null && !DbText.TryParse(by, out grouping))
        {
            errors.Add("by", "must be resource, area, kind or location");
        }

        if (first is { } a && last is { } b && (b < a || b.DayNumber - a.DayNumber >= MaxDays))
        {
            errors.Add("to", $"must be on or after from, and at most {MaxDays} days of it");
        }

        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var zone = ZoneTime.Zone(location.TimeZone);
        var start = ZoneTime.At(first!.Value, 0, zone);
        var end = ZoneTime.At(last!.Value.AddDays(1), 0, zone);
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var rows = (await conn.QueryAsync<ResourceRow>(new CommandDefinition(
            """
            SELECT r.id AS resourceid, r.area_id AS areaid, a.name AS areaname, r.kind, r.name,
                   coalesce(sum(u.booked_s), 0) AS bookedseconds, coalesce(sum(u.occupied_s), 0) AS occupiedseconds
            FROM resources r
            JOIN areas a ON a.id = r.area_id
            LEFT JOIN utilisation_quarters u ON u.resource_id = r.id AND u.location_id = r.location_id AND u.quarter >= @start AND u.quarter < @end
            WHERE r.location_id = @id AND (r.removed_at IS NULL OR u.resource_id IS NOT NULL)
            GROUP BY r.id, a.name
            ORDER BY r.kind, r.name, r.id
            """,
            new { id, start, end },
            cancellationToken: cancellationToken))).ToList();
        var items = grouping switch
        {
            UtilisationGrouping.Resource => rows.Select(r => Item(r.ResourceId, r.AreaId, DbText.Parse<ResourceKind>(r.Kind), r.Name, [r])),
            UtilisationGrouping.Area => rows.GroupBy(r => (r.AreaId, r.AreaName)).OrderBy(g => g.Key.AreaName, StringComparer.Ordinal)
                .Select(g => Item(null, g.Key.AreaId, null, g.Key.AreaName, [.. g])),
            UtilisationGrouping.Kind => rows.GroupBy(r => DbText.Parse<ResourceKind>(r.Kind)).OrderBy(g => g.Key)
                .Select(g => Item(null, null, g.Key, g.Key.ToDb(), [.. g])),
            _ => [Item(null, null, null, location.Name, rows)],
        };
        return TypedResults.Ok(new UtilisationResponse(id, Text(first.Value), Text(last.Value), grouping, [.. items]));
    }

    private static UtilisationItem Item(Guid? resourceId, Guid? areaId, ResourceKind? kind, string name, IReadOnlyCollection<ResourceRow> rows)
    {
        var booked = rows.Sum(r => r.BookedSeconds);
        var occupied = rows.Sum(r => r.OccupiedSeconds);
        return new UtilisationItem(
            resourceId, areaId, kind, name, rows.Count, Math.Round(booked / 60.0, 2), Math.Round(occupied / 60.0, 2), booked == 0 ? null : Math.Round((double)occupied / booked, 3));
    }

    internal static DateOnly? Date(string? text, string field, ValidationErrors errors)
    {
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var value) && value.Year is >= 2000 and <= 2200)
        {
            return value;
        }

        errors.Add(field, text is null ? "is required: a date such as 2026-03-02 in the location's time zone" : "must be a date such as 2026-03-02");
        return null;
    }

    internal static string Text(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private sealed record ResourceRow
    {
        public Guid ResourceId { get; init; }

        public Guid AreaId { get; init; }

        public string AreaName { get; init; } = string.Empty;

        public string Kind { get; init; } = string.Empty;

        public string Name { get; init; } = string.Empty;

        public long BookedSeconds { get; init; }

        public long OccupiedSeconds { get; init; }
    }
}
