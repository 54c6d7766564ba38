using Coworking.Hub.Access;
using Coworking.Hub.Database;
using Coworking.Proto.V1;

namespace Coworking.Hub.Credentials;

public enum MemberCredentialKind
{
    Card,
    Pin,
}

public enum CardFormat
{
    /// <summary>The 26-bit HID H10301 layout: facility code 0..255 and card number 0..65535.</summary>
    H10301,

    /// <summary>The number as the reader reports it, up to 64 bits.</summary>
    Raw,
}

public enum CredentialStatus
{
    Active,
    Revoked,
}

/// <summary>A credential as the API shows it: never the PIN, and only the last two digits of a card.</summary>
public sealed record CredentialResponse(
    Guid Id, Guid MemberId, MemberCredentialKind Kind, CredentialStatus Status, CardFormat? CardFormat, string? Hint,
    DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt);

/// <summary>A credential row as stored, with what an edge needs to recognise it.</summary>
internal sealed record CredentialRow
{
    public const string Columns = "id, member_id, kind, card_format, facility_code, card_number, pin_hash, created_at, revoked_at, pass_holder_id";

    public Guid Id { get; init; }

    public Guid MemberId { get; init; }

    public string Kind { get; init; } = string.Empty;

    public string? CardFormat { get; init; }

    public int? FacilityCode { get; init; }

    public decimal? CardNumber { get; init; }

    public byte[]? PinHash { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? RevokedAt { get; init; }

    /// <summary>The booking or visitor the edges know a pass credential under; null for the member's own.</summary>
    public Guid? PassHolderId { get; init; }

    public CredentialResponse ToResponse() => new(
        Id,
        MemberId,
        DbText.Parse<MemberCredentialKind>(Kind),
        RevokedAt is null ? CredentialStatus.Active : CredentialStatus.Revoked,
        CardFormat is null ? null : DbText.Parse<CardFormat>(CardFormat),
        CardNumber is { } number ? $"**{(ulong)number % 100:00}" : null,
        CreatedAt,
        RevokedAt);

    /// <summary>The change that tells an edge about this credential.</summary>
    public Change ToChange() => Kind == "pin"
        ? Changes.Pin(Id, PassHolderId ?? MemberId, PinHash!)
        : Changes.Card(Id, PassHolderId ?? MemberId, FacilityCode ?? 0, (ulong)(CardNumber ?? 0));
}
