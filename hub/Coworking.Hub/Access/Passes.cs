using System.Globalization;
using System.Security.Cryptography;
using Coworking.Hub.Credentials;
using Coworking.Proto.V1;
using Dapper;
using Npgsql;

namespace Coworking.Hub.Access;

/// <summary>What a pass's PIN is made with: the organisation's PIN key (for its keyed hash) and its PIN length (6 to 8 digits).</summary>
internal readonly record struct PassPinSecret(byte[] Key, int Length);

/// <summary>The PIN and QR payload of a pass as handed to the member once, and the log entries that issue them (for a new pass).</summary>
internal sealed record IssuedPass(string Pin, string QrPayload, IReadOnlyList<LocationChange> Changes);

/// <summary>
/// Booking and visitor passes (ARCHITECTURE §3): a holder of their own (the booking or the visitor) with a PIN of the
/// organisation's PIN length (6 to 8 digits, <c>organisations.pin_length</c>) and a QR credential, and one grant for the given doors inside the pass's validity window, as the
/// <see cref="AccessCompiler"/> works it out from the pass. The
/// QR payload is the decimal number of a raw card credential: a QR reader set to report what it scans as card
/// data presents it to the edge like a card.
/// </summary>
internal static class Passes
{
    private const int Attempts = 4;

    /// <summary>
    /// Runs a whole pass-issuing transaction again when a fresh PIN or QR number collided with a live one (one in
    /// 10^6 to 10^8 per live PIN, by the organisation's PIN length), so the collision never reaches the caller.
    /// </summary>
    public static async Task<T> RetryOnCollisionAsync<T>(Func<Task<T>> write)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await write();
            }
            catch (PostgresException e) when (attempt < Attempts && CredentialStore.Duplicate(e) is not null)
            {
                // A new PIN and QR number are drawn on the next attempt.
            }
        }
    }

    /// <summary>
    /// Inserts fresh credentials for a pass whose access the caller then compiles (<see cref="AccessCompiler.PassesAsync"/>):
    /// a visitor's pass, or a booking's handed to another member.
    /// </summary>
    public static async Task<(string Pin, string QrPayload)> IssueAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, Guid organisationId, Guid memberId, Guid passHolderId, PassPinSecret secret, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var (pin, qr, pinRow, qrRow) = Draw(memberId, passHolderId, secret, now);
        await using var batch = new NpgsqlBatch(conn, tx) { BatchCommands = { InsertCommand(organisationId, pinRow, qrRow) } };
        await batch.ExecuteNonQueryAsync(cancellationToken);
        return (pin, qr);
    }

    /// <summary>
    /// Draws a new pass's PIN and QR number and makes the statements that insert its credentials and record what its
    /// entries send (<see cref="AccessCompiler.NewPass"/>), for a caller that sends them in a batch with its other writes.
    /// </summary>
    public static (IssuedPass Pass, IReadOnlyList<NpgsqlBatchCommand> Inserts) Prepare(Guid organisationId, Guid memberId, PassFacts facts, PassPinSecret secret, DateTimeOffset now)
    {
        var (pin, qr, pinRow, qrRow) = Draw(memberId, facts.Id, secret, now);
        var (changes, record) = AccessCompiler.NewPass(facts, [pinRow, qrRow]);
        return (new IssuedPass(pin, qr, changes), [InsertCommand(organisationId, pinRow, qrRow), record]);
    }

    /// <summary>A PIN of exactly the organisation's length, leading zeros included, drawn uniformly.</summary>
    internal static string DrawPin(int length)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, CredentialsApi.MinimumPinLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, CredentialsApi.MaximumPinLength);
        var bound = 1;
        for (var i = 0; i < length; i++)
        {
            bound *= 10;
        }

        return RandomNumberGenerator.GetInt32(0, bound).ToString("D" + length.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    }

    private static (string Pin, string QrPayload, CredentialRow PinRow, CredentialRow QrRow) Draw(Guid memberId, Guid passHolderId, PassPinSecret secret, DateTimeOffset now)
    {
        var pin = DrawPin(secret.Length);
        var qr = BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8)) >> 1;
        var pinRow = CredentialStore.NewRow(memberId, passHolderId, new NewCredential(MemberCredentialKind.Pin, null, 0, 0, pin), secret.Key, now);
        var qrRow = CredentialStore.NewRow(memberId, passHolderId, new NewCredential(MemberCredentialKind.Card, CardFormat.Raw, 0, qr, null), secret.Key, now);
        return (pin, qr.ToString(CultureInfo.InvariantCulture), pinRow, qrRow);
    }

    /// <summary>Both credentials of a pass in one statement (one executor start and one round of messages, not two).</summary>
    private static NpgsqlBatchCommand InsertCommand(Guid organisationId, CredentialRow pin, CredentialRow qr) => new(
        """
        INSERT INTO credentials (id, organisation_id, member_id, kind, card_format, facility_code, card_number, pin_hash, created_at, pass_holder_id)
        VALUES (@pinId, @organisationId, @memberId, @pinKind, NULL, NULL, NULL, @pinHash, @createdAt, @passHolderId),
               (@qrId, @organisationId, @memberId, @qrKind, @qrFormat, @qrFacility, @qrNumber, NULL, @createdAt, @passHolderId)
        """)
    {
        Parameters =
        {
            new NpgsqlParameter<Guid>("pinId", pin.Id),
            new NpgsqlParameter<Guid>("qrId", qr.Id),
            new NpgsqlParameter<Guid>("organisationId", organisationId),
            new NpgsqlParameter<Guid>("memberId", pin.MemberId),
            new NpgsqlParameter<string>("pinKind", pin.Kind),
            new NpgsqlParameter<byte[]>("pinHash", pin.PinHash!),
            new NpgsqlParameter<string>("qrKind", qr.Kind),
            new NpgsqlParameter<string>("qrFormat", qr.CardFormat!),
            new NpgsqlParameter<int>("qrFacility", qr.FacilityCode!.Value),
            new NpgsqlParameter<decimal>("qrNumber", qr.CardNumber!.Value),
            new NpgsqlParameter<DateTimeOffset>("createdAt", pin.CreatedAt.ToUniversalTime()),
            new NpgsqlParameter<Guid>("passHolderId", pin.PassHolderId!.Value),
        },
    };

    /// <summary>Revokes the live credentials of a pass; the caller then compiles the pass's access.</summary>
    public static Task RevokeAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid passHolderId, DateTimeOffset now, CancellationToken cancellationToken) =>
        conn.ExecuteAsync(new CommandDefinition(
            "UPDATE credentials SET revoked_at = @now WHERE pass_holder_id = @passHolderId AND revoked_at IS NULL",
            new { passHolderId, now },
            tx,
            cancellationToken: cancellationToken));
}
