using Coworking.Proto.V1;
using Dapper;
using Google.Protobuf;
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
            var kinds = items.Select(c => KindName(c.KindCase)).ToArray();
            var payloads = items.Select(c => JsonFormatter.Default.Format(c)).ToArray();

            // One statement takes the seqs, writes the entries and notifies, so the counter row stays locked
            // for this round trip and the commit only: writers of a busy location queue on it.
            var last = await conn.ExecuteScalarAsync<long?>(new CommandDefinition(
                """
                WITH counter AS (
                    UPDATE location_seq SET last_seq = last_seq + @count WHERE location_id = @locationId RETURNING last_seq
                ), written AS (
                    INSERT INTO change_log (location_id, seq, kind, payload, committed_at)
                    SELECT @locationId, counter.last_seq - @count + t.n, t.kind, t.payload::jsonb, @committedAt
                    FROM counter, unnest(@kinds, @payloads) WITH ORDINALITY AS t(kind, payload, n)
                )
                SELECT last_seq, pg_notify(@channel, @notifyPrefix || last_seq) FROM counter
                """,
                new { count = items.Length, locationId = location.Key, kinds, payloads, committedAt, channel = Channel, notifyPrefix = $"{location.Key}:" },
                tx,
                cancellationToken: cancellationToken));
            if (last is null)
            {
                throw new InvalidOperationException($"location {location.Key} has no change log");
            }
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
