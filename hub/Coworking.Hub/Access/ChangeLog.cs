using Coworking.Proto.V1;
using Dapper;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Npgsql;

namespace Coworking.Hub.Access;

/// <summary>One change for one location's log, before the log gives it a seq.</summary>
internal sealed record LocationChange(Guid LocationId, Change Change);

/// <summary>
/// Appends to a location's change log inside the caller's transaction (ARCHITECTURE §4). The seq comes from
/// the location's counter row, updated with UPDATE … RETURNING: the row stays locked until commit, so the
/// entries of a location commit in seq order and a reader polling "seq &gt; N" never skips one.
/// </summary>
internal static class ChangeLog
{
    /// <summary>The channel the hub NOTIFYs with "&lt;location_id&gt;:&lt;last seq&gt;" after each append.</summary>
    public const string Channel = "change_log";

    /// <summary>Starts a new location's log at seq 0 (nothing appended yet).</summary>
    public static Task StartAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid locationId, CancellationToken cancellationToken) =>
        conn.ExecuteAsync(new CommandDefinition(
            "INSERT INTO location_seq (location_id, last_seq) VALUES (@locationId, 0)",
            new { locationId },
            tx,
            cancellationToken: cancellationToken));

    /// <summary>
    /// Gives each change the next seq of its location and writes it. Call it last in the transaction: it
    /// holds the location's counter lock until commit, and every other writer of that location waits.
    /// Locations are locked in id order so two transactions touching the same two locations cannot deadlock.
    /// </summary>
    public static async Task AppendAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, IReadOnlyCollection<LocationChange> changes, DateTimeOffset committedAt, CancellationToken cancellationToken)
    {
        foreach (var location in changes.GroupBy(c => c.LocationId).OrderBy(g => g.Key))
        {
            var items = location.Select(c => c.Change).ToArray();
            var last = await conn.ExecuteScalarAsync<long?>(new CommandDefinition(
                "UPDATE location_seq SET last_seq = last_seq + @count WHERE location_id = @locationId RETURNING last_seq",
                new { count = items.Length, locationId = location.Key },
                tx,
                cancellationToken: cancellationToken))
                ?? throw new InvalidOperationException($"location {location.Key} has no change log");

            var seqs = new long[items.Length];
            var kinds = new string[items.Length];
            var payloads = new string[items.Length];
            for (var i = 0; i < items.Length; i++)
            {
                var change = items[i].Clone();
                change.Seq = last - items.Length + 1 + i;
                change.CommittedAt = Timestamp.FromDateTimeOffset(committedAt);
                seqs[i] = change.Seq;
                kinds[i] = KindName(change.KindCase);
                payloads[i] = JsonFormatter.Default.Format(change);
            }

            await conn.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO change_log (location_id, seq, kind, payload, committed_at)
                SELECT @locationId, t.seq, t.kind, t.payload::jsonb, @committedAt
                FROM unnest(@seqs, @kinds, @payloads) AS t(seq, kind, payload);
                SELECT pg_notify(@channel, @message);
                """,
                new { locationId = location.Key, seqs, kinds, payloads, committedAt, channel = Channel, message = $"{location.Key}:{last}" },
                tx,
                cancellationToken: cancellationToken));
        }
    }

    /// <summary>The kind column: the oneof case in snake_case, e.g. "credential_revoked".</summary>
    public static string KindName(Change.KindOneofCase kind) => kind switch
    {
        Change.KindOneofCase.Location => "location",
        Change.KindOneofCase.Door => "door",
        Change.KindOneofCase.DoorRemoved => "door_removed",
        Change.KindOneofCase.Holder => "holder",
        Change.KindOneofCase.Credential => "credential",
        Change.KindOneofCase.CredentialRevoked => "credential_revoked",
        Change.KindOneofCase.Grant => "grant",
        Change.KindOneofCase.GrantRemoved => "grant_removed",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "a change must say what changed"),
    };
}
