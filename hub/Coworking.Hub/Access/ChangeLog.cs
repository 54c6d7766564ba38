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
    /// </summary>
    public static async Task AppendAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, IReadOnlyCollection<LocationChange> changes, DateTimeOffset committedAt, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(conn, tx);
        foreach (var command in AppendCommands(changes, committedAt))
        {
            batch.BatchCommands.Add(command);
        }

        if (batch.BatchCommands.Count > 0)
        {
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>
    /// The statements that append <paramref name="changes"/>, one per location, for a caller that sends them in
    /// its own batch — best just before its COMMIT, so the counter lock is held for no round trip at all.
    /// Locations are locked in id order so two transactions touching the same two locations cannot deadlock.
    /// </summary>
    public static IEnumerable<NpgsqlBatchCommand> AppendCommands(IReadOnlyCollection<LocationChange> changes, DateTimeOffset committedAt)
    {
        foreach (var location in changes.GroupBy(c => c.LocationId).OrderBy(g => g.Key))
        {
            var items = location.Select(c => c.Change).ToArray();

            // One statement takes the seqs, writes the entries and notifies. A location without a counter row
            // leaves the seq NULL, which the NOT NULL column refuses: the transaction fails rather than commit
            // a change no edge would ever see.
            yield return new NpgsqlBatchCommand(
                """
                WITH counter AS (
                    UPDATE location_seq SET last_seq = last_seq + @count WHERE location_id = @locationId RETURNING last_seq
                ), written AS (
                    INSERT INTO change_log (location_id, seq, kind, entity, payload, committed_at)
                    SELECT @locationId, (SELECT last_seq FROM counter) - @count + t.n, t.kind, t.entity, t.payload::jsonb, @committedAt
                    FROM unnest(@kinds, @entities, @payloads) WITH ORDINALITY AS t(kind, entity, payload, n)
                )
                SELECT last_seq, pg_notify(@channel, @notifyPrefix || last_seq) FROM counter
                """)
            {
                Parameters =
                {
                    new NpgsqlParameter<int>("count", items.Length),
                    new NpgsqlParameter<Guid>("locationId", location.Key),
                    new NpgsqlParameter<string[]>("kinds", [.. items.Select(c => ChangeNames.Kind(c.KindCase))]),
                    new NpgsqlParameter<string[]>("entities", [.. items.Select(ChangeNames.Entity)]),
                    new NpgsqlParameter<string[]>("payloads", [.. items.Select(c => JsonFormatter.Default.Format(c))]),
                    new NpgsqlParameter<DateTimeOffset>("committedAt", committedAt.ToUniversalTime()),
                    new NpgsqlParameter<string>("channel", Channel),
                    new NpgsqlParameter<string>("notifyPrefix", $"{location.Key}:"),
                },
            };
        }
    }
}
