using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Coworking.Hub.Auth;
using Coworking.Hub.Members;
using Dapper;
using Ical.Net;
using Ical.Net.CalendarComponents;
using Ical.Net.DataTypes;
using Ical.Net.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace Coworking.Hub.Calendar;

public sealed record CalendarTokenResponse(string Url);

/// <summary>
/// A member's private iCalendar (RFC 5545) feed for Google Calendar or Outlook to subscribe to. The URL holds a
/// random token (the hub keeps its SHA-256); making a new one revokes the old, and DELETE revokes it outright.
/// The feed carries times, resources and places, never a PIN or QR: a calendar URL travels further than a key.
/// </summary>
internal static class CalendarFeed
{
    public const string FeedPath = "/calendar/{token}.ics";

    /// <summary>The rate limit of the feed, per client address.</summary>
    public const string FeedLimit = "calendar";

    /// <summary>Bookings this far back stay in the feed, so a subscribed calendar keeps recent history.</summary>
    private static readonly TimeSpan History = TimeSpan.FromDays(60);

    public static IEndpointRouteBuilder MapCalendarTokenApi(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/members/{id:guid}/calendar-token", CreateToken).WithTags("Calendar");
        routes.MapDelete("/members/{id:guid}/calendar-token", RevokeToken).WithTags("Calendar");
        return routes;
    }

    /// <summary>The feed itself, outside /api/v1: the token is its only key.</summary>
    public static IEndpointRouteBuilder MapCalendarFeed(this IEndpointRouteBuilder routes)
    {
        routes.MapGet(FeedPath, GetFeed).AllowAnonymous().RequireRateLimiting(FeedLimit).WithMetadata(Http.SecretInPath.Instance).WithTags("Calendar");
        return routes;
    }

    internal static async Task<Results<Ok<CalendarTokenResponse>, NotFound>> CreateToken(
        Guid id, Caller caller, MemberStore members, Database.TenantDataSource db, TimeProvider time, IConfiguration configuration, HttpRequest request,
        CancellationToken cancellationToken)
    {
        if (await members.GetAsync(caller.OrganisationId, id, cancellationToken) is not { } member || !caller.Covers(member.HomeLocationId))
        {
            return TypedResults.NotFound();
        }

        var token = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await conn.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO calendar_tokens (member_id, token_hash, created_at) VALUES (@id, @hash, @now)
            ON CONFLICT (member_id) DO UPDATE SET token_hash = excluded.token_hash, created_at = excluded.created_at
            """,
            new { id, hash = Hash(token), now = time.GetUtcNow() },
            cancellationToken: cancellationToken));
        return TypedResults.Ok(new CalendarTokenResponse($"{Http.PublicUrl.Of(configuration, request)}/calendar/{token}.ics"));
    }

    internal static async Task<Results<NoContent, NotFound>> RevokeToken(
        Guid id, Caller caller, MemberStore members, Database.TenantDataSource db, CancellationToken cancellationToken)
    {
        if (await members.GetAsync(caller.OrganisationId, id, cancellationToken) is not { } member || !caller.Covers(member.HomeLocationId))
        {
            return TypedResults.NotFound();
        }

        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await conn.ExecuteAsync(new CommandDefinition("DELETE FROM calendar_tokens WHERE member_id = @id", new { id }, cancellationToken: cancellationToken));
        return TypedResults.NoContent();
    }

    internal static async Task<Results<FileContentHttpResult, NotFound>> GetFeed(string token, Database.TenantDataSource db, TimeProvider time, CancellationToken cancellationToken)
    {
        if (token.Length > 100 || !Base64Url.IsValid(token))
        {
            return TypedResults.NotFound();
        }

        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var memberId = await conn.QuerySingleOrDefaultAsync<Guid?>(new CommandDefinition(
            "SELECT member_id FROM calendar_tokens WHERE token_hash = @hash", new { hash = Hash(token) }, cancellationToken: cancellationToken));
        if (memberId is not { } id)
        {
            return TypedResults.NotFound();
        }

        var bookings = await conn.QueryAsync<FeedRow>(new CommandDefinition(
            """
            SELECT b.id, b.starts_at, b.ends_at, b.cancelled_at, b.updated_at, b.created_at, r.name AS resource_name, b.resource_kind, l.name AS location_name
            FROM bookings b JOIN resources r ON r.id = b.resource_id JOIN locations l ON l.id = b.location_id
            WHERE b.member_id = @id AND b.ends_at > @since
            ORDER BY b.starts_at, b.id
            """,
            new { id, since = time.GetUtcNow() - History },
            cancellationToken: cancellationToken));
        var calendar = new Ical.Net.Calendar { ProductId = "-//Coworking Edge & Hub//Bookings//EN", Method = "PUBLISH" };
        calendar.AddProperty("X-WR-CALNAME", "Coworking bookings");
        foreach (var booking in bookings)
        {
            calendar.Events.Add(new CalendarEvent
            {
                Uid = $"{booking.Id}@coworking",
                Summary = $"{booking.ResourceName} ({booking.ResourceKind.Replace('_', ' ')})",
                Location = booking.LocationName,
                Description = "Your PIN and QR code are in the confirmation e-mail; they open the doors from 5 minutes before the start.",
                Start = new CalDateTime(booking.StartsAt.UtcDateTime),
                End = new CalDateTime(booking.EndsAt.UtcDateTime),
                DtStamp = new CalDateTime(booking.UpdatedAt.UtcDateTime),
                Created = new CalDateTime(booking.CreatedAt.UtcDateTime),
                LastModified = new CalDateTime(booking.UpdatedAt.UtcDateTime),
                Status = booking.CancelledAt is null ? EventStatus.Confirmed : EventStatus.Cancelled,
            });
        }

        var text = new CalendarSerializer().SerializeToString(calendar) ?? string.Empty;
        return TypedResults.File(Encoding.UTF8.GetBytes(text), "text/calendar; charset=utf-8", "bookings.ics");
    }

    private static byte[] Hash(string token) => SHA256.HashData(Encoding.ASCII.GetBytes(token));

    private sealed record FeedRow
    {
        public Guid Id { get; init; }

        public DateTimeOffset StartsAt { get; init; }

        public DateTimeOffset EndsAt { get; init; }

        public DateTimeOffset? CancelledAt { get; init; }

        public DateTimeOffset UpdatedAt { get; init; }

        public DateTimeOffset CreatedAt { get; init; }

        public string ResourceName { get; init; } = string.Empty;

        public string ResourceKind { get; init; } = string.Empty;

        public string LocationName { get; init; } = string.Empty;
    }
}
