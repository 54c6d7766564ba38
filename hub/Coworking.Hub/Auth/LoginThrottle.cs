using System.Security.Cryptography;
using System.Text;
using Dapper;
using Npgsql;

namespace Coworking.Hub.Auth;

/// <summary>
/// Counts failed logins per e-mail address and per client address (table login_failures): <see cref="MaxFailures"/>
/// within <see cref="Window"/> lock that key for <see cref="LockFor"/>. The e-mail key is the SHA-256 of the address
/// whether or not an operator has it, so a locked address tells nothing about who exists. A good password clears the
/// e-mail's count, never the client's.
/// </summary>
internal sealed class LoginThrottle(NpgsqlDataSource db, TimeProvider time)
{
    public const int MaxFailures = 10;
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(15);
    public static readonly TimeSpan LockFor = TimeSpan.FromMinutes(15);

    public static string EmailKey(string email) =>
        "email:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(email.Trim().ToLowerInvariant())));

    public static string ClientKey(string? clientAddress) => "client:" + (clientAddress ?? "unknown");

    /// <summary>Whether any of <paramref name="keys"/> is locked now.</summary>
    public async Task<bool> IsLockedAsync(string[] keys, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        return await conn.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT EXISTS (SELECT FROM login_failures WHERE key = ANY(@keys) AND locked_until > @now)",
            new { keys, now = time.GetUtcNow() },
            cancellationToken: cancellationToken));
    }

    public async Task FailedAsync(string[] keys, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await conn.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO login_failures AS f (key, failures, first_failed_at)
            SELECT unnest(@keys), 1, @now
            ON CONFLICT (key) DO UPDATE SET
                failures = CASE WHEN f.first_failed_at > @now - @window AND (f.locked_until IS NULL OR f.locked_until <= @now) THEN f.failures + 1 ELSE 1 END,
                first_failed_at = CASE WHEN f.first_failed_at > @now - @window AND (f.locked_until IS NULL OR f.locked_until <= @now) THEN f.first_failed_at ELSE @now END,
                locked_until = CASE WHEN f.locked_until > @now THEN f.locked_until END;
            UPDATE login_failures SET locked_until = @now + @lockFor, failures = 0
            WHERE key = ANY(@keys) AND failures >= @MaxFailures;
            """,
            new { keys, now = time.GetUtcNow(), window = Window, lockFor = LockFor, MaxFailures },
            cancellationToken: cancellationToken));
    }

    public async Task SucceededAsync(string email, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await conn.ExecuteAsync(new CommandDefinition(
            "DELETE FROM login_failures WHERE key = @key AND (locked_until IS NULL OR locked_until <= @now)",
            new { key = EmailKey(email), now = time.GetUtcNow() },
            cancellationToken: cancellationToken));
    }
}
