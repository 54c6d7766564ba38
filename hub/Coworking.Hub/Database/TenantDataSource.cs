using System.Collections.Concurrent;
using Npgsql;

namespace Coworking.Hub.Database;

/// <summary>
/// The connections the stores use: each one is opened with the current <see cref="TenantScope"/> in its session
/// settings (<c>coworking.organisation_id</c>, <c>coworking.system</c>), which the row-level security policies read.
/// </summary>
/// <remarks>
/// The hub's own (<see cref="Create"/>) is a pool of its own whose connections keep their session when they go back to
/// it (Npgsql's No Reset On Close: an open transaction is still rolled back), so a connection remembers the scope it
/// holds and the next open for the same scope sends nothing: a request's two or three opens cost no round trip and
/// no reset statements. A different scope is set over it before the connection is handed out, and a new physical
/// connection starts with none. Nothing else shares that pool, so no raw connection ever sees a scope left behind.
/// Over any other pool (<see cref="TenantDataSource(NpgsqlDataSource)"/>: the reports' replica, the bootstrap command)
/// the settings are set on every open, and Npgsql's reset (RESET ALL) clears them when the connection goes back.
/// </remarks>
public sealed class TenantDataSource : IAsyncDisposable
{
    private const string Apply =
        "SELECT set_config('coworking.organisation_id', $1, false), set_config('coworking.system', $2, false)";

    private readonly NpgsqlDataSource _pool;

    // The scope each of the pool's physical connections holds, by backend process id; null when every open sets it.
    private readonly ConcurrentDictionary<int, TenantScope.Scope>? _held;

    public TenantDataSource(NpgsqlDataSource pool)
        : this(pool, null)
    {
    }

    private TenantDataSource(NpgsqlDataSource pool, ConcurrentDictionary<int, TenantScope.Scope>? held)
    {
        _pool = pool;
        _held = held;
    }

    /// <summary>The hub's tenant pool over <paramref name="connectionString"/>: its own connections, each keeping the scope it was last given.</summary>
    public static TenantDataSource Create(string connectionString)
    {
        var held = new ConcurrentDictionary<int, TenantScope.Scope>();
        var builder = HubApp.CreateDataSourceBuilder(connectionString);
        builder.ConnectionStringBuilder.NoResetOnClose = true;

        // A backend's process id outlives nothing: a new physical connection (perhaps with an id a closed one had) holds no scope.
        builder.UsePhysicalConnectionInitializer(
            connection => held.TryRemove(connection.ProcessID, out _),
            connection =>
            {
                held.TryRemove(connection.ProcessID, out _);
                return Task.CompletedTask;
            });
        return new TenantDataSource(builder.Build(), held);
    }

    public async ValueTask<NpgsqlConnection> OpenConnectionAsync(CancellationToken cancellationToken = default)
    {
        var connection = await _pool.OpenConnectionAsync(cancellationToken);
        try
        {
            var scope = TenantScope.Current;
            if (!Holds(connection, scope))
            {
                await using var set = Command(connection, scope);
                await set.ExecuteNonQueryAsync(cancellationToken);
                Remember(connection, scope);
            }

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
        var connection = _pool.OpenConnection();
        try
        {
            var scope = TenantScope.Current;
            if (!Holds(connection, scope))
            {
                using var set = Command(connection, scope);
                set.ExecuteNonQuery();
                Remember(connection, scope);
            }

            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    public ValueTask DisposeAsync() => _held is null ? ValueTask.CompletedTask : _pool.DisposeAsync();

    private bool Holds(NpgsqlConnection connection, TenantScope.Scope scope) =>
        _held is not null && _held.TryGetValue(connection.ProcessID, out var held) && held == scope;

    private void Remember(NpgsqlConnection connection, TenantScope.Scope scope)
    {
        if (_held is not null)
        {
            _held[connection.ProcessID] = scope;
        }
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, TenantScope.Scope scope) => new(Apply, connection)
    {
        Parameters =
        {
            new NpgsqlParameter { Value = scope.OrganisationId?.ToString() ?? string.Empty },
            new NpgsqlParameter { Value = scope.IsSystem ? "on" : "off" },
        },
    };
}
