using System.Security.Cryptography;
using System.Text;
using Dapper;
using Microsoft.AspNetCore.DataProtection;
using Npgsql;
using OtpNet;

namespace Coworking.Hub.Auth;

/// <summary>A TOTP secret being enrolled: the base32 secret to type in and the otpauth:// URI for a QR code.</summary>
public sealed record TotpEnrolment(string Secret, string OtpAuthUri);

/// <summary>The one-use recovery codes, shown once when the second factor is confirmed.</summary>
public sealed record RecoveryCodes(IReadOnlyList<string> Codes);

/// <summary>
/// An operator's optional second factor: TOTP (RFC 6238, 30-second steps, 6 digits, SHA-1 as authenticator apps
/// expect) with Otp.NET, and ten recovery codes. The secret is stored encrypted with the hub's data-protection keys;
/// a code's time step, once used, is refused again, so a code seen over a shoulder cannot be replayed.
/// </summary>
internal sealed class SecondFactor(Database.TenantDataSource db, TimeProvider time, IDataProtectionProvider protection)
{
    private const int RecoveryCodeCount = 10;
    private readonly IDataProtector _protector = protection.CreateProtector("Coworking.Hub.Auth.TotpSecret");

    /// <summary>Starts (or restarts) enrolment; null when the operator already has a confirmed second factor.</summary>
    public async Task<TotpEnrolment?> EnrolAsync(Guid operatorId, string email, CancellationToken cancellationToken)
    {
        var secret = KeyGeneration.GenerateRandomKey(20);
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var updated = await conn.ExecuteAsync(new CommandDefinition(
            "UPDATE operators SET totp_secret = @secret, totp_last_step = NULL WHERE id = @operatorId AND totp_confirmed_at IS NULL",
            new { operatorId, secret = _protector.Protect(Base32Encoding.ToString(secret)) },
            cancellationToken: cancellationToken));
        if (updated == 0)
        {
            return null;
        }

        var base32 = Base32Encoding.ToString(secret);
        var label = Uri.EscapeDataString($"Coworking:{email}");
        return new TotpEnrolment(base32, $"otpauth://totp/{label}?secret={base32}&issuer=Coworking&algorithm=SHA1&digits=6&period=30");
    }

    /// <summary>Confirms a pending enrolment with a current code and answers the recovery codes; null when the code is wrong or nothing is pending.</summary>
    public async Task<RecoveryCodes?> ConfirmAsync(Guid operatorId, string? code, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        var pending = await conn.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
            "SELECT totp_secret FROM operators WHERE id = @operatorId AND totp_confirmed_at IS NULL AND totp_secret IS NOT NULL FOR UPDATE",
            new { operatorId },
            tx,
            cancellationToken: cancellationToken));
        if (pending is null || Verify(pending, code, null) is not { } step)
        {
            return null;
        }

        var codes = Enumerable.Range(0, RecoveryCodeCount).Select(_ => NewRecoveryCode()).ToArray();
        await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE operators SET totp_confirmed_at = @now, totp_last_step = @step WHERE id = @operatorId;
            DELETE FROM operator_recovery_codes WHERE operator_id = @operatorId;
            INSERT INTO operator_recovery_codes (operator_id, code_hash) SELECT @operatorId, unnest(@hashes);
            """,
            new { operatorId, now = time.GetUtcNow(), step, hashes = codes.Select(HashRecoveryCode).ToArray() },
            tx,
            cancellationToken: cancellationToken));
        await tx.CommitAsync(cancellationToken);
        return new RecoveryCodes(codes);
    }

    /// <summary>Checks a TOTP code or an unused recovery code of an operator with a confirmed second factor, using it up.</summary>
    public async Task<bool> CheckAsync(Guid operatorId, string? code, string? recoveryCode, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        var row = await conn.QuerySingleOrDefaultAsync<(string Secret, long? LastStep)?>(new CommandDefinition(
            "SELECT totp_secret, totp_last_step FROM operators WHERE id = @operatorId AND totp_confirmed_at IS NOT NULL FOR UPDATE",
            new { operatorId },
            tx,
            cancellationToken: cancellationToken));
        if (row is not { } found)
        {
            return false;
        }

        var ok = false;
        if (!string.IsNullOrWhiteSpace(code) && Verify(found.Secret, code, found.LastStep) is { } step)
        {
            ok = await conn.ExecuteAsync(new CommandDefinition(
                "UPDATE operators SET totp_last_step = @step WHERE id = @operatorId", new { operatorId, step }, tx, cancellationToken: cancellationToken)) == 1;
        }
        else if (!string.IsNullOrWhiteSpace(recoveryCode))
        {
            ok = await conn.ExecuteAsync(new CommandDefinition(
                "UPDATE operator_recovery_codes SET used_at = @now WHERE operator_id = @operatorId AND code_hash = @hash AND used_at IS NULL",
                new { operatorId, hash = HashRecoveryCode(recoveryCode), now = time.GetUtcNow() },
                tx,
                cancellationToken: cancellationToken)) == 1;
        }

        await tx.CommitAsync(cancellationToken);
        return ok;
    }

    /// <summary>Turns the second factor off (the caller has checked the password).</summary>
    public async Task DisableAsync(Guid operatorId, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE operators SET totp_secret = NULL, totp_confirmed_at = NULL, totp_last_step = NULL WHERE id = @operatorId;
            DELETE FROM operator_recovery_codes WHERE operator_id = @operatorId;
            """,
            new { operatorId },
            cancellationToken: cancellationToken));
    }

    /// <summary>The time step of a code good now (one step either side for clock drift), later than <paramref name="lastStep"/>; null otherwise.</summary>
    private long? Verify(string protectedSecret, string? code, long? lastStep)
    {
        if (code is null || code.Trim() is not { Length: 6 } digits || !digits.All(char.IsAsciiDigit))
        {
            return null;
        }

        var totp = new Totp(Base32Encoding.ToBytes(_protector.Unprotect(protectedSecret)));
        return totp.VerifyTotp(time.GetUtcNow().UtcDateTime, digits, out var step, VerificationWindow.RfcSpecifiedNetworkDelay) && (lastStep is null || step > lastStep)
            ? step
            : null;
    }

    // 16 base32 characters: 80 random bits, so a fast hash is enough (nothing to brute-force), shown as four groups of four.
    private static string NewRecoveryCode()
    {
        var text = Base32Encoding.ToString(RandomNumberGenerator.GetBytes(10));
        return $"{text[..4]}-{text[4..8]}-{text[8..12]}-{text[12..16]}";
    }

    private static byte[] HashRecoveryCode(string code) =>
        SHA256.HashData(Encoding.ASCII.GetBytes(new string([.. code.ToUpperInvariant().Where(char.IsAsciiLetterOrDigit)])));
}
