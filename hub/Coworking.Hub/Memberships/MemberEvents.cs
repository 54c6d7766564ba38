using System.Text.Json;
using Coworking.Hub.Auth;
using Coworking.Hub.Database;
using Dapper;
using Npgsql;

namespace Coworking.Hub.Memberships;

/// <summary>Records what happened to a member's status or membership, in the writing transaction, for the member's history.</summary>
internal static class MemberEvents
{
    public const string StatusChanged = "status_changed";
    public const string Joined = "joined";
    public const string Paused = "paused";
    public const string Resumed = "resumed";
    public const string TierChanged = "tier_changed";
    public const string TierChangeScheduled = "tier_change_scheduled";
    public const string CancellationScheduled = "cancellation_scheduled";
    public const string Cancelled = "cancelled";
    public const string PeriodRenewed = "period_renewed";

    public static Task AddAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, Guid memberId, string kind, object detail, Actor actor, DateTimeOffset now, CancellationToken cancellationToken) =>
        conn.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO member_events (id, member_id, kind, detail, actor_kind, actor_id, occurred_at)
            VALUES (@id, @memberId, @kind, @detail::jsonb, @actorKind, @actorId, @now)
            """,
            new { id = Guid.CreateVersion7(now), memberId, kind, detail = JsonSerializer.Serialize(detail, JsonSerializerOptions.Web), actorKind = actor.Kind.ToDb(), actorId = actor.Id, now },
            tx,
            cancellationToken: cancellationToken));
}
