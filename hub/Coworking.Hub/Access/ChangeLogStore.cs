using Coworking.Proto.V1;
using Dapper;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Npgsql;

namespace Coworking.Hub.Access;

/// <summary>Reads a location's change log in seq order, as an edge or an operator follows it.</summary>
public sealed class ChangeLogStore(NpgsqlDataSource db)
{
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    /// <summary>Up to <paramref name="limit"/> changes of the location with seq greater than <paramref name="afterSeq"/>.</summary>
    public async Task<IReadOnlyList<Change>> ReadAsync(Guid locationId, long afterSeq, int limit, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var rows = await conn.QueryAsync<EntryRow>(new CommandDefinition(
            "SELECT seq, committed_at, payload::text AS payload FROM change_log WHERE location_id = @locationId AND seq > @afterSeq ORDER BY seq LIMIT @limit",
            new { locationId, afterSeq, limit },
            cancellationToken: cancellationToken));
        return [.. rows.Select(row =>
        {
            var change = Parser.Parse<Change>(row.Payload);
            change.Seq = row.Seq;
            change.CommittedAt = Timestamp.FromDateTimeOffset(row.CommittedAt);
            return change;
        })];
    }

    private sealed record EntryRow
    {
        public long Seq { get; init; }

        public DateTimeOffset CommittedAt { get; init; }


        public string Payload { get; init; } = string.Empty;
    }
}
