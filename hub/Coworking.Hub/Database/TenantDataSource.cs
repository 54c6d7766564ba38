using Npgsql;

namespace Coworking.Hub.Database;

/// <summary>
/// The connections the stores use: each one is opened with the current <see cref="TenantScope"/> in its session
/// settings (<c>coworking.organisation_id</c>, <c>coworking.system</c>), which the row-level security policies read.
/// Both are set on every open, whatever the pooled connection held before; Npgsql also resets a connection's session
/// settings (RESET ALL) when it goes back to the pool, so a raw connection of the same pool starts with neither.
/// </summary>
public sealed class TenantDataSource(NpgsqlDataSource pool)
{
    private const string Apply =
        "SELECT set_config('coworking.organisation_id', $1, false), set_config('coworking.system', $2, false)";

    public async ValueTask<NpgsqlConnection> OpenConnectionAsync(CancellationToken cancellationToken = default)
    {
        var connection = await pool.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var set = Command(connection);
            await set.ExecuteNonQueryAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public NpgsqlConnection OpenConnection()
    {
        var connection = pool.OpenConnection();
        try
        {
            using var set = Command(connection);
            set.ExecuteNonQuery();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection)
    {
        var scope = TenantScope.Current;
        return new NpgsqlCommand(Apply, connection)
        {
            Parameters =
            {
                new NpgsqlParameter { Value = scope.OrganisationId?.ToString() ?? string.Empty },
                new NpgsqlParameter { Value = scope.IsSystem ? "on" : "off" },
            },
        };
    }
}
