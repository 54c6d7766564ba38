using System.Text.Json.Serialization;
using Coworking.Hub.Database;
using Coworking.Hub.Resources;

namespace Coworking.Hub.Bookings;

public enum BookingKind
{
    /// <summary>A member's booking, with its own PIN and QR.</summary>
    Member,

    /// <summary>An operator's maintenance block.</summary>
    Maintenance,

    /// <summary>An operator's hold, e.g. every desk of an area for a team day.</summary>
    Hold,
}

public enum BookingStatus
{
    Confirmed,
    Cancelled,
}

/// <summary>
/// A booking. <see cref="Pin"/> and <see cref="QrPayload"/> are in the answer that issues them only (creation,
/// transfer): the hub keeps the PIN as a keyed hash. <see cref="AccessFrom"/> to <see cref="AccessUntil"/> is
/// when they open the doors of the resource's area.
/// </summary>
public sealed record BookingResponse(
    Guid Id,
    BookingKind Kind,
    BookingStatus Status,
    Guid LocationId,
    Guid ResourceId,
    ResourceKind ResourceKind,
    Guid? MemberId,
    Guid? SeriesId,
    DateTimeOffset Start,
    DateTimeOffset End,
    DateTimeOffset? AccessFrom,
    DateTimeOffset? AccessUntil,
    bool OnBehalf,
    string? Note,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? CancelledAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Pin = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? QrPayload = null);

/// <summary>A booking row as stored.</summary>
internal sealed record BookingRow
{
    public const string Columns =
        "id, organisation_id, location_id, resource_id, resource_kind, kind, member_id, series_id, starts_at, ends_at, note, on_behalf, created_at, updated_at, cancelled_at";

    /// <summary>A booking credential opens doors from this long before the start (ARCHITECTURE §3).</summary>
    public static readonly TimeSpan AccessLead = TimeSpan.FromMinutes(5);

    public Guid Id { get; init; }

    public Guid OrganisationId { get; init; }

    public Guid LocationId { get; init; }

    public Guid ResourceId { get; init; }

    public string ResourceKind { get; init; } = string.Empty;

    public string Kind { get; init; } = string.Empty;

    public Guid? MemberId { get; init; }

    public Guid? SeriesId { get; init; }

    public DateTimeOffset StartsAt { get; init; }

    public DateTimeOffset EndsAt { get; init; }

    public string? Note { get; init; }

    public bool OnBehalf { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    public DateTimeOffset? CancelledAt { get; init; }

    public bool IsMember => Kind == "member";

    public BookingResponse ToResponse(string? pin = null, string? qrPayload = null) => new(
        Id,
        DbText.Parse<BookingKind>(Kind),
        CancelledAt is null ? BookingStatus.Confirmed : BookingStatus.Cancelled,
        LocationId,
        ResourceId,
        DbText.Parse<ResourceKind>(ResourceKind),
        MemberId,
        SeriesId,
        StartsAt,
        EndsAt,
        IsMember ? StartsAt - AccessLead : null,
        IsMember ? EndsAt : null,
        OnBehalf,
        Note,
        CreatedAt,
        UpdatedAt,
        CancelledAt,
        pin,
        qrPayload);
}
