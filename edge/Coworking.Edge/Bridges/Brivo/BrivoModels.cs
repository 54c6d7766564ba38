using System.Text.Json.Serialization;

namespace Coworking.Edge.Bridges.Brivo;

/// <summary>A page of a Brivo list.</summary>
internal sealed record BrivoPage<T>(List<T> Data, int Offset, int PageSize, int Count);

internal sealed record BrivoUser(long Id, string? ExternalId, string? FirstName, string? LastName);

internal sealed record BrivoGroup(long Id, string Name);

internal sealed record BrivoScheduleBlock(int DayOfWeek, string StartTime, string EndTime);

internal sealed record BrivoScheduleException(DateTimeOffset Start, DateTimeOffset End, bool Enabling);

internal sealed record BrivoSchedule(long Id, string Name);

internal sealed record BrivoCredentialFormat(long Id);

internal sealed record BrivoCredential(long Id, string ReferenceId, long? UserId);

internal sealed record BrivoPermission(long GroupId, long AccessPointId, long ScheduleId);

internal sealed record BrivoActor(long Id);

internal sealed record BrivoEventObject(long Id);

internal sealed record BrivoEventData(bool ActionAllowed);

/// <summary>One entry of <c>/events/access</c>: who presented what at which access point, and whether Brivo let them through.</summary>
internal sealed record BrivoAccessEvent(string Uuid, DateTimeOffset Occurred, BrivoActor? Actor, BrivoEventObject? EventObject, BrivoEventData? EventData);

/// <summary>The token endpoint's answer.</summary>
internal sealed record BrivoTokenResponse(
    [property: JsonPropertyName("access_token")] string AccessToken,
    [property: JsonPropertyName("refresh_token")] string? RefreshToken,
    [property: JsonPropertyName("expires_in")] int ExpiresIn);

/// <summary>Brivo answered an error (<c>{code, message}</c>, or OAuth's <c>{error, error_description}</c>); <see cref="StatusCode"/> is the HTTP status.</summary>
public sealed class BrivoException(int statusCode, string code, string message) : VendorApiException("Brivo", statusCode, code, message);
