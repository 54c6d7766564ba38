using System.Text.Json.Serialization;

namespace Coworking.Edge.Bridges.Salto;

internal sealed record SaltoPage<T>(List<T> Items, string? NextPageLink);

internal sealed record SaltoUser(string Id, string? ExternalId);

internal sealed record SaltoAccessGroup(string Id, string Name);

internal sealed record SaltoItem(string Id);

/// <summary>An access group's time schedule: the dated period, the daily hours and the weekdays it opens on.</summary>
internal sealed record SaltoTimeSchedule(
    DateTimeOffset StartDate, DateTimeOffset EndDate, string StartTime, string EndTime,
    bool Monday, bool Tuesday, bool Wednesday, bool Thursday, bool Friday, bool Saturday, bool Sunday);

/// <summary>One entry of <c>/entries</c>: who presented a key at which lock, and whether it opened.</summary>
internal sealed record SaltoEntry(string Id, string LockId, string? UserId, DateTimeOffset Date, bool Success);

internal sealed record SaltoTokenResponse(
    [property: JsonPropertyName("access_token")] string AccessToken,
    [property: JsonPropertyName("expires_in")] int ExpiresIn);

/// <summary>Salto KS answered an error (<c>{ErrorCode, Message}</c>); <see cref="StatusCode"/> is the HTTP status.</summary>
public sealed class SaltoException(int statusCode, string code, string message) : VendorApiException("Salto KS", statusCode, code, message)
{
    /// <summary>Salto KS has not provisioned what was just created yet (403 2203, 404 2202): worth asking again shortly.</summary>
    public bool NotYetProvisioned => (StatusCode, Code) is (403, "2203") or (404, "2202");
}
