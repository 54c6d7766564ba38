using Coworking.Proto.V1;
using Google.Protobuf;
using Npgsql;
using static Coworking.Testing.ChangeLog;

namespace Coworking.Testing.Sync;

/// <summary>
/// Appends entries to a location's change log straight in the hub's database, with the same statement the
/// hub uses (seq from the location's counter, NOTIFY on commit): for what the REST API cannot make yet
/// (a grant with a validity window, as a booking will give) and for logs too large to make one request
/// at a time.
/// </summary>
public static class ChangeLogWriter
{
    public static async Task<long> AppendAsync(string connectionString, Guid locationId, IReadOnlyList<Change> changes)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(
            """
            WITH counter AS (
                UPDATE location_seq SET last_seq = last_seq + @count WHERE location_id = @locationId RETURNING last_seq
            ), written AS (
                INSERT INTO change_log (location_id, seq, kind, entity, payload, committed_at)
                SELECT @locationId, counter.last_seq - @count + t.n, t.kind, t.entity, t.payload::jsonb, now()
                FROM counter, unnest(@kinds, @entities, @payloads) WITH ORDINALITY AS t(kind, entity, payload, n)
            )
            SELECT last_seq, pg_notify('change_log', @locationId::text || ':' || last_seq) FROM counter
            """,
            conn);
        cmd.Parameters.AddWithValue("count", changes.Count);
        cmd.Parameters.AddWithValue("locationId", locationId);
        cmd.Parameters.AddWithValue("kinds", changes.Select(c => ChangeNames.Kind(c.KindCase)).ToArray());
        cmd.Parameters.AddWithValue("entities", changes.Select(ChangeNames.Entity).ToArray());
        cmd.Parameters.AddWithValue("payloads", changes.Select(c => JsonFormatter.Default.Format(c)).ToArray());
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    /// <summary>
    /// <paramref name="count"/> active members, each with a card (facility 77, numbers from <paramref name="firstCard"/>)
    /// and an all-doors grant: three entries each, appended in transactions of 10,000 entries.
    /// </summary>
    public static async Task<long> AppendMembersAsync(string connectionString, Guid locationId, int count, int firstCard = 1)
    {
        var seq = 0L;
        var changes = new List<Change>();
        for (var i = 0; i < count; i++)
        {
            var holder = Guid.NewGuid().ToString();
            changes.Add(Holder(holder));
            changes.Add(Card(Guid.NewGuid().ToString(), holder, 77, (ulong)(firstCard + i)));
            changes.Add(Grant(Guid.NewGuid().ToString(), holder));
            if (changes.Count >= 10_000)
            {
                seq = await AppendAsync(connectionString, locationId, changes);
                changes.Clear();
            }
        }

        return changes.Count > 0 ? await AppendAsync(connectionString, locationId, changes) : seq;
    }
}
