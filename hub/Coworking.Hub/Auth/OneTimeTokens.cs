using Dapper;
using Npgsql;

namespace Coworking.Hub.Auth;

internal enum TokenPurpose
{
    PasswordReset,
    MemberSignIn,
    SecondFactor,
    OperatorInvitation,
}

/// <summary>Whom a one-time token was made for.</summary>
internal sealed record TokenSubject(Guid OrganisationId, Guid SubjectId);

/// <summary>
/// Single-use tokens (table one_time_tokens): 32 random bytes handed out once, kept as their SHA-256. Using one marks
/// it used in the same statement that finds it, so two requests racing with one link cannot both succeed.
/// </summary>
internal sealed class OneTimeTokens(Database.TenantDataSource db, TimeProvider time)
{
    public static readonly TimeSpan PasswordResetLifetime = TimeSpan.FromHours(1);
    public static readonly TimeSpan MemberSignInLifetime = TimeSpan.FromMinutes(15);
    public static readonly TimeSpan SecondFactorLifetime = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan InvitationLifetime = TimeSpan.FromDays(3);

    public static TimeSpan LifetimeOf(TokenPurpose purpose) => purpose switch
    {
        TokenPurpose.PasswordReset => PasswordResetLifetime,
        TokenPurpose.MemberSignIn => MemberSignInLifetime,
        TokenPurpose.OperatorInvitation => InvitationLifetime,
        _ => SecondFactorLifetime,
    };

    /// <summary>Makes a token in <paramref name="tx"/> (the transaction that also queues the e-mail carrying it).</summary>
    public static async Task<string> CreateAsync(
        NpgsqlConnection conn, NpgsqlTransaction? tx, TokenPurpose purpose, TokenSubject subject, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var token = SessionStore.NewToken();
        await conn.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO one_time_tokens (token_hash, purpose, organisation_id, subject_id, created_at, expires_at)
            VALUES (@hash, @purpose, @OrganisationId, @SubjectId, @now, @expires)
            """,
            new { hash = SessionStore.Hash(token), purpose = Database.DbText.ToDb(purpose), subject.OrganisationId, subject.SubjectId, now, expires = now + LifetimeOf(purpose) },
            tx,
            cancellationToken: cancellationToken));
        return token;
    }

    public async Task<string> CreateAsync(TokenPurpose purpose, TokenSubject subject, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        return await CreateAsync(conn, null, purpose, subject, time.GetUtcNow(), cancellationToken);
    }

    /// <summary>Whom a live (unused, unexpired) token is for, without using it up.</summary>
    public async Task<TokenSubject?> FindAsync(TokenPurpose purpose, string? token, CancellationToken cancellationToken)
    {
        if (!Plausible(token))
        {
            return null;
        }

        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var found = await conn.QuerySingleOrDefaultAsync<(Guid OrganisationId, Guid SubjectId)?>(new CommandDefinition(
            """
            SELECT organisation_id, subject_id FROM one_time_tokens
            WHERE token_hash = @hash AND purpose = @purpose AND used_at IS NULL AND expires_at > @now
            """,
            new { hash = SessionStore.Hash(token!), purpose = Database.DbText.ToDb(purpose), now = time.GetUtcNow() },
            cancellationToken: cancellationToken));
        return found is { } f ? new TokenSubject(f.OrganisationId, f.SubjectId) : null;
    }

    /// <summary>Uses a live token up and answers whom it was for; null when it is unknown, used or expired.</summary>
    public async Task<TokenSubject?> UseAsync(TokenPurpose purpose, string? token, CancellationToken cancellationToken)
    {
        if (!Plausible(token))
        {
            return null;
        }

        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var found = await conn.QuerySingleOrDefaultAsync<(Guid OrganisationId, Guid SubjectId)?>(new CommandDefinition(
            """
            UPDATE one_time_tokens SET used_at = @now
            WHERE token_hash = @hash AND purpose = @purpose AND used_at IS NULL AND expires_at > @now
            RETURNING organisation_id, subject_id
            """,
            new { hash = SessionStore.Hash(token!), purpose = Database.DbText.ToDb(purpose), now = time.GetUtcNow() },
            cancellationToken: cancellationToken));
        return found is { } f ? new TokenSubject(f.OrganisationId, f.SubjectId) : null;
    }

    private static bool Plausible(string? token) => token is { Length: > 20 and <= 100 };
}
