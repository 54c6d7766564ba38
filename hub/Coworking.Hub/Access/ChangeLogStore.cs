using Coworking.Proto.V1;
using Dapper;
using Google.Protobuf;
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
        var payloads = await conn.QueryAsync<string>(new CommandDefinition(
            "SELECT payload::text FROM change_log WHERE location_id = @locationId AND seq > @afterSeq ORDER BY seq LIMIT @limit",
            new { locationId, afterSeq, limit },
            cancellationToken: cancellationToken));
        return [.. payloads.Select(Parser.Parse<Change>)];
    }
}
