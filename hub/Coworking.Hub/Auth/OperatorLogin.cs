using Dapper;
using Npgsql;

namespace Coworking.Hub.Auth;

internal enum LoginOutcome
{
    /// <summary>Wrong e-mail, wrong password, disabled operator or wrong code: one answer for all.</summary>
    Failed,

    /// <summary>Too many failures from this e-mail address or this client: try again after <see cref="LoginThrottle.LockFor"/>.</summary>
    Locked,

    /// <summary>The password was right and the operator has a second factor: the challenge goes with the code.</summary>
    SecondFactorRequired,

    SignedIn,
}

/// <summary>An operator account an attempt named: what the audit trail records a failed or locked-out attempt against.</summary>
internal readonly record struct LoginAccount(Guid OrganisationId, Guid OperatorId);

internal sealed record LoginResult(LoginOutcome Outcome, Caller? Caller = null, string? Challenge = null)
{
    /// <summary>For a failure: the known accounts the attempt was on (none for an unknown e-mail address).</summary>
    public IReadOnlyList<LoginAccount> Attempted { get; init; } = [];

    /// <summary>For a failure on a known account, why: "wrong_password", "disabled", "wrong_code" or "locked".</summary>
    public string? Reason { get; init; }
}

/// <summary>
/// An operator's login: e-mail and password (PBKDF2, <see cref="PasswordHasher"/>), then the TOTP code when the
/// operator has one, throttled per e-mail and per client by <see cref="LoginThrottle"/>. An unknown e-mail costs
/// the same hash as a known one and gets the same answer. E-mails are unique per organisation, not across them: the
/// password is tried against each operator with the address, oldest first.
/// </summary>
internal sealed class OperatorLogin(Database.TenantDataSource db, LoginThrottle throttle, SecondFactor secondFactor, OneTimeTokens tokens, TimeProvider time)
{
    // A hash of a random password at today's cost, checked when no operator has the e-mail, so timing tells nothing.
    private static readonly Lazy<string> Decoy = new(() => PasswordHasher.Hash(SessionStore.NewToken()));

    public async Task<LoginResult> LoginAsync(string email, string password, string? code, string? recoveryCode, string? clientAddress, CancellationToken cancellationToken)
    {
        string[] keys = [LoginThrottle.EmailKey(email), LoginThrottle.ClientKey(clientAddress)];
        if (await throttle.IsLockedAsync(keys, cancellationToken))
        {
            return new LoginResult(LoginOutcome.Locked) { Attempted = [.. (await CandidatesAsync(email, cancellationToken)).Select(c => c.Account)], Reason = "locked" };
        }

        var candidates = await CandidatesAsync(email, cancellationToken);
        var (found, reason) = FindByPassword(candidates, password);
        if (found is null)
        {
            await throttle.FailedAsync(keys, cancellationToken);
            return new LoginResult(LoginOutcome.Failed) { Attempted = [.. candidates.Select(c => c.Account)], Reason = reason };
        }

        if (found.SecondFactor)
        {
            if (string.IsNullOrWhiteSpace(code) && string.IsNullOrWhiteSpace(recoveryCode))
            {
                var challenge = await tokens.CreateAsync(TokenPurpose.SecondFactor, new TokenSubject(found.OrganisationId, found.Id), cancellationToken);
                return new LoginResult(LoginOutcome.SecondFactorRequired, Challenge: challenge);
            }

            if (!await secondFactor.CheckAsync(found.Id, code, recoveryCode, cancellationToken))
            {
                await throttle.FailedAsync(keys, cancellationToken);
                return new LoginResult(LoginOutcome.Failed) { Attempted = [found.Account], Reason = "wrong_code" };
            }
        }

        await throttle.SucceededAsync(email, cancellationToken);
        return new LoginResult(LoginOutcome.SignedIn, found.ToCaller());
    }

    /// <summary>The second step: the challenge from the first and a TOTP or recovery code.</summary>
    public async Task<LoginResult> SecondStepAsync(string? challenge, string? code, string? recoveryCode, string? clientAddress, CancellationToken cancellationToken)
    {
        var subject = await tokens.FindAsync(TokenPurpose.SecondFactor, challenge, cancellationToken);
        var op = subject is null ? null : await ReadAsync(subject.SubjectId, cancellationToken);
        if (op is null)
        {
            return new LoginResult(LoginOutcome.Failed);
        }

        string[] keys = [LoginThrottle.EmailKey(op.Email), LoginThrottle.ClientKey(clientAddress)];
        if (await throttle.IsLockedAsync(keys, cancellationToken))
        {
            return new LoginResult(LoginOutcome.Locked) { Attempted = [op.Account], Reason = "locked" };
        }

        if (!await secondFactor.CheckAsync(op.Id, code, recoveryCode, cancellationToken) || await tokens.UseAsync(TokenPurpose.SecondFactor, challenge, cancellationToken) is null)
        {
            await throttle.FailedAsync(keys, cancellationToken);
            return new LoginResult(LoginOutcome.Failed) { Attempted = [op.Account], Reason = "wrong_code" };
        }

        await throttle.SucceededAsync(op.Email, cancellationToken);
        return new LoginResult(LoginOutcome.SignedIn, op.ToCaller());
    }

    /// <summary>Checks an operator's own password (changing it, turning off the second factor), throttled like a login.</summary>
    public async Task<LoginOutcome> CheckPasswordAsync(Guid operatorId, string? password, string? clientAddress, CancellationToken cancellationToken)
    {
        if (await ReadAsync(operatorId, cancellationToken) is not { } op)
        {
            return LoginOutcome.Failed;
        }

        string[] keys = [LoginThrottle.EmailKey(op.Email), LoginThrottle.ClientKey(clientAddress)];
        if (await throttle.IsLockedAsync(keys, cancellationToken))
        {
            return LoginOutcome.Locked;
        }

        if (password is null || !PasswordHasher.Verify(password, op.PasswordHash))
        {
            await throttle.FailedAsync(keys, cancellationToken);
            return LoginOutcome.Failed;
        }

        return LoginOutcome.SignedIn;
    }

    /// <summary>Sets a new password and ends every other session of the operator (all of them when <paramref name="keep"/> is null).</summary>
    public async Task SetPasswordAsync(Guid operatorId, string password, Guid? keep, CancellationToken cancellationToken)
    {
        var hash = PasswordHasher.Hash(password);
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        var email = await conn.QuerySingleAsync<string>(new CommandDefinition(
            "UPDATE operators SET password_hash = @hash WHERE id = @operatorId RETURNING email", new { operatorId, hash }, tx, cancellationToken: cancellationToken));
        await SessionStore.RevokeAllAsync(conn, tx, new Actor(ActorKind.Operator, operatorId), keep, time.GetUtcNow(), cancellationToken);
        await conn.ExecuteAsync(new CommandDefinition(
            "DELETE FROM login_failures WHERE key = @key", new { key = LoginThrottle.EmailKey(email) }, tx, cancellationToken: cancellationToken));
        await tx.CommitAsync(cancellationToken);
    }

    /// <summary>Every operator with the address, oldest first (read before the deliberately slow hash, so the connection is back in the pool).</summary>
    private async Task<List<OperatorRow>> CandidatesAsync(string email, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        return (await conn.QueryAsync<OperatorRow>(new CommandDefinition(
            $"{SelectOperator} WHERE lower(o.email) = lower(@email) GROUP BY o.id ORDER BY o.created_at, o.id",
            new { email = email.Trim() },
            cancellationToken: cancellationToken))).AsList();
    }

    /// <summary>The first enabled candidate the password is right for; else why not. Every candidate costs one hash, disabled or not.</summary>
    private static (OperatorRow? Found, string? Reason) FindByPassword(List<OperatorRow> candidates, string password)
    {
        if (candidates.Count == 0)
        {
            PasswordHasher.Verify(password, Decoy.Value);
            return (null, null);
        }

        var right = candidates.Where(c => PasswordHasher.Verify(password, c.PasswordHash)).ToList();
        return right.FirstOrDefault(c => c.DisabledAt is null) is { } found ? (found, null) : (null, right.Count > 0 ? "disabled" : "wrong_password");
    }

    private async Task<OperatorRow?> ReadAsync(Guid operatorId, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        return await conn.QuerySingleOrDefaultAsync<OperatorRow>(new CommandDefinition(
            $"{SelectOperator} WHERE o.id = @operatorId AND o.disabled_at IS NULL GROUP BY o.id",
            new { operatorId },
            cancellationToken: cancellationToken));
    }

    private const string SelectOperator =
        """
        SELECT o.id, o.organisation_id, o.email, o.password_hash, o.role, o.disabled_at, o.totp_confirmed_at IS NOT NULL AS second_factor,
               coalesce(array_agg(l.location_id) FILTER (WHERE l.location_id IS NOT NULL), '{}') AS location_ids
        FROM operators o LEFT JOIN operator_locations l ON l.operator_id = o.id
        """;

    private sealed record OperatorRow
    {
        public Guid Id { get; init; }

        public Guid OrganisationId { get; init; }

        public string Email { get; init; } = string.Empty;

        public string PasswordHash { get; init; } = string.Empty;

        public string Role { get; init; } = string.Empty;

        public DateTimeOffset? DisabledAt { get; init; }

        public bool SecondFactor { get; init; }

        public Guid[] LocationIds { get; init; } = [];

        public LoginAccount Account => new(OrganisationId, Id);

        public Caller ToCaller() => new(OrganisationId, new Actor(ActorKind.Operator, Id), Database.DbText.Parse<Role>(Role), LocationIds.ToHashSet());
    }
}
