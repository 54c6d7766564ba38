using System.Text.Json;
using Coworking.Hub.Auth;
using Coworking.Hub.Http;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace Coworking.Hub.Members;

/// <summary>
/// One thing that happened to a member: <see cref="Kind"/> says what (booking_created, booking_cancelled,
/// visitor_registered, visitor_cancelled, credential_issued, credential_revoked, access_granted, access_denied,
/// or a status or membership event such as joined, paused, tier_changed, status_changed), <see cref="Detail"/> the rest.
/// </summary>
public sealed record HistoryEntry(DateTimeOffset At, string Kind, Guid Id, JsonElement Detail);

/// <summary>A member's bookings, visitors, credentials, status changes and access events, newest first, in one call.</summary>
internal static class MemberHistory
{
    public static IEndpointRouteBuilder MapMemberHistoryApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/members/{id:guid}/history", GetHistory).WithTags("Members");
        return routes;
    }

    internal static async Task<Results<Ok<Page<HistoryEntry>>, ValidationProblem, NotFound>> GetHistory(
        Guid id, int? limit, string? cursor, Caller caller, MemberStore members, Database.TenantDataSource db, CancellationToken cancellationToken)
    {
        if (await members.GetAsync(caller.OrganisationId, id, cancellationToken) is not { } member || !caller.Covers(member.HomeLocationId))
        {
            return TypedResults.NotFound();
        }

        var errors = new ValidationErrors();
        var (take, before) = PageCursor.Read(limit, cursor, errors);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var rows = (await conn.QueryAsync<(DateTimeOffset At, string Kind, Guid Id, string Detail)>(new CommandDefinition(
            """
            SELECT at, kind, id, detail::text AS detail FROM (
                SELECT created_at AS at, 'booking_created' AS kind, id,
                       jsonb_build_object('resourceId', resource_id, 'locationId', location_id, 'start', starts_at, 'end', ends_at, 'seriesId', series_id, 'onBehalf', on_behalf) AS detail
                FROM bookings WHERE member_id = @id
                UNION ALL
                SELECT cancelled_at, 'booking_cancelled', id, jsonb_build_object('resourceId', resource_id, 'start', starts_at, 'end', ends_at)
                FROM bookings WHERE member_id = @id AND cancelled_at IS NOT NULL
                UNION ALL
                SELECT created_at, 'visitor_registered', id, jsonb_build_object('name', name, 'locationId', location_id, 'start', starts_at, 'end', ends_at)
                FROM visitors WHERE host_member_id = @id
                UNION ALL
                SELECT cancelled_at, 'visitor_cancelled', id, jsonb_build_object('name', name)
                FROM visitors WHERE host_member_id = @id AND cancelled_at IS NOT NULL
                UNION ALL
                SELECT created_at, 'credential_issued', id, jsonb_build_object('kind', kind, 'passHolderId', pass_holder_id)
                FROM credentials WHERE member_id = @id
                UNION ALL
                SELECT revoked_at, 'credential_revoked', id, jsonb_build_object('kind', kind, 'passHolderId', pass_holder_id)
                FROM credentials WHERE member_id = @id AND revoked_at IS NOT NULL
                UNION ALL
                SELECT occurred_at, kind, id, detail FROM member_events WHERE member_id = @id
                UNION ALL
                SELECT occurred_at, 'access_' || decision, id, jsonb_build_object('doorId', door_id, 'locationId', location_id, 'reason', reason, 'credentialId', credential_id)
                FROM access_events WHERE member_id = @id
            ) h
            WHERE @beforeAt::timestamptz IS NULL OR (at, id) < (@beforeAt, @beforeId)
            ORDER BY at DESC, id DESC
            LIMIT @take
            """,
            new { id, beforeAt = before?.At, beforeId = before?.Id, take = take + 1 },
            cancellationToken: cancellationToken))).ToList();
        var next = rows.Count > take ? new PageCursor(rows[take - 1].At, rows[take - 1].Id).Encode() : null;
        var items = rows.Take(take).Select(r =>
        {
            using var detail = JsonDocument.Parse(r.Detail);
            return new HistoryEntry(r.At, r.Kind, r.Id, detail.RootElement.Clone());
        }).ToList();
        return TypedResults.Ok(new Page<HistoryEntry>(items, next));
    }
}
