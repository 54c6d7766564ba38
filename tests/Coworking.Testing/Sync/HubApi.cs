using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;

namespace Coworking.Testing.Sync;

/// <summary>An organisation admin at the hub's REST API, plus read-only checks of what the hub stored.</summary>
public sealed class HubApi(string apiKey, string connectionString) : IDisposable
{
    private HttpClient _http = new();
    private Guid? _openTier;

    public string ConnectionString => connectionString;

    /// <summary>Which database the read-only checks look at (a restored copy, say).</summary>
    public void UseDatabase(string database) => connectionString = database;

    /// <summary>Which hub instance the calls go to.</summary>
    public void UseHub(HubInstance hub)
    {
        _http.Dispose();
        _http = new HttpClient { BaseAddress = hub.ApiUrl, Timeout = TimeSpan.FromSeconds(30) };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
    }

    public async Task<Guid> CreateLocationAsync(string name) =>
        Id(await PostAsync("/api/v1/locations", new { name, timeZone = "Europe/London", currency = "GBP", country = "GB" }));

    public async Task<Guid> CreateDoorAsync(Guid locationId, string name)
    {
        var area = Id(await PostAsync($"/api/v1/locations/{locationId}/areas", new { name = "Lobby" }));
        return Id(await PostAsync($"/api/v1/locations/{locationId}/doors", new { areaId = area, name, unlockMs = 1000 }));
    }

    /// <summary>
    /// An active member at the location with one H10301 card, joined to an all-hours tier unless <paramref name="joined"/>
    /// is false (a member without a membership opens no door); returns the member's id.
    /// </summary>
    public async Task<Guid> CreateMemberWithCardAsync(Guid locationId, int facilityCode, int cardNumber, bool joined = true)
    {
        var member = Id(await PostAsync("/api/v1/members", new { name = "Ada Lovelace", email = $"ada-{Guid.NewGuid():N}@example.test", homeLocationId = locationId }));
        await PostAsync($"/api/v1/members/{member}/credentials", new { kind = "card", facilityCode, cardNumber });
        if (joined)
        {
            _openTier ??= Id(await PostAsync("/api/v1/tiers", new
            {
                name = $"Open access {Guid.NewGuid():N}"[..20],
                terms = new { kind = "hot_desk", priceMinor = 20000, currency = "GBP", billingInterval = "monthly", access = "all_hours" },
            }));
            await PostAsync($"/api/v1/members/{member}/membership", new { tierId = _openTier, channel = "website" });
        }

        return member;
    }

    /// <summary>A door in a new area of its own; returns both ids.</summary>
    public async Task<(Guid AreaId, Guid DoorId)> CreateAreaWithDoorAsync(Guid locationId, string areaName, string doorName)
    {
        var area = Id(await PostAsync($"/api/v1/locations/{locationId}/areas", new { name = areaName }));
        return (area, await CreateDoorInAreaAsync(locationId, area, doorName));
    }

    public async Task<Guid> CreateDoorInAreaAsync(Guid locationId, Guid areaId, string name) =>
        Id(await PostAsync($"/api/v1/locations/{locationId}/doors", new { areaId, name, unlockMs = 1000 }));

    public async Task RemoveDoorAsync(Guid locationId, Guid doorId)
    {
        using var response = await _http.DeleteAsync(new Uri($"/api/v1/locations/{locationId}/doors/{doorId}", UriKind.Relative));
        response.EnsureSuccessStatusCode();
    }

    /// <summary>A meeting room (bookable at all hours) whose doors are those of <paramref name="areaId"/>.</summary>
    public async Task<Guid> CreateRoomAsync(Guid locationId, Guid areaId, string name) =>
        Id(await PostAsync($"/api/v1/locations/{locationId}/resources", new { areaId, name, kind = "meeting_room", capacity = 6 }));

    /// <summary>Books the room for the member as an operator (past tier rules); the answer holds the PIN once.</summary>
    public Task<JsonElement> BookAsync(Guid memberId, Guid resourceId, DateTimeOffset start, DateTimeOffset end) =>
        PostAsync("/api/v1/bookings", new { memberId, resourceId, start, end, onBehalf = true });

    public Task CancelBookingAsync(Guid bookingId) => PostAsync($"/api/v1/bookings/{bookingId}/cancel", new { });

    /// <summary>A guest pass the member hosts; the answer holds the PIN once.</summary>
    public Task<JsonElement> InviteVisitorAsync(Guid memberId, Guid locationId, DateTimeOffset start, DateTimeOffset end) =>
        PostAsync($"/api/v1/members/{memberId}/visitors", new { name = "Grace Hopper", email = $"grace-{Guid.NewGuid():N}@example.test", locationId, start, end });

    public Task SuspendAsync(Guid memberId) => PostAsync($"/api/v1/members/{memberId}/suspend", new { });

    public Task ReinstateAsync(Guid memberId) => PostAsync($"/api/v1/members/{memberId}/reinstate", new { });

    public async Task<string> EnrolmentCodeAsync(Guid locationId, int? expiresInMinutes = null) =>
        (await PostAsync($"/api/v1/locations/{locationId}/edges/enrolment-codes", new { expiresInMinutes })).GetProperty("code").GetString()!;

    /// <summary>The first page of <c>GET /api/v1/edge-events</c> for the location and kind, newest first.</summary>
    public async Task<IReadOnlyList<JsonElement>> ListedEdgeEventsAsync(Guid locationId, string kind) =>
        [.. (await _http.GetFromJsonAsync<JsonElement>($"/api/v1/edge-events?locationId={locationId}&kind={kind}")).GetProperty("items").EnumerateArray()];

    public async Task<JsonElement> EdgeAsync(string edgeId) => await _http.GetFromJsonAsync<JsonElement>($"/api/v1/edges/{edgeId}");

    public async Task RevokeEdgeAsync(string edgeId)
    {
        using var response = await _http.DeleteAsync(new Uri($"/api/v1/edges/{edgeId}", UriKind.Relative));
        response.EnsureSuccessStatusCode();
    }

    /// <summary>The area a door leads into.</summary>
    public Task<Guid> AreaOfDoorAsync(Guid doorId) => ScalarAsync<Guid>("SELECT area_id FROM doors WHERE id = @id", doorId);

    /// <summary>The location's newest seq, as the hub's database has it.</summary>
    public Task<long> LocationSeqAsync(Guid locationId) =>
        ScalarAsync<long>("SELECT last_seq FROM location_seq WHERE location_id = @id", locationId);

    /// <summary>How many access decisions and how many distinct event ids the hub stored for the edge.</summary>
    public async Task<(long Rows, long DistinctEventIds)> AccessEventsAsync(string edgeId)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT count(*), count(DISTINCT event_id) FROM access_events WHERE edge_id = @id", conn);
        cmd.Parameters.AddWithValue("id", edgeId);
        await using var reader = await cmd.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>The reasons of the stored decisions for the edge, oldest first.</summary>
    public async Task<IReadOnlyList<string>> AccessReasonsAsync(string edgeId)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT reason FROM access_events WHERE edge_id = @id ORDER BY occurred_at, event_id", conn);
        cmd.Parameters.AddWithValue("id", edgeId);
        var reasons = new List<string>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            reasons.Add(reader.GetString(0));
        }

        return reasons;
    }

    /// <summary>The kinds of the door and reader events the hub stored for the edge, oldest first.</summary>
    public async Task<IReadOnlyList<string>> EdgeEventKindsAsync(string edgeId)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT kind FROM edge_events WHERE edge_id = @id ORDER BY occurred_at, event_id", conn);
        cmd.Parameters.AddWithValue("id", edgeId);
        var kinds = new List<string>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            kinds.Add(reader.GetString(0));
        }

        return kinds;
    }

    /// <summary>Any GET as the organisation admin.</summary>
    public async Task<JsonElement> GetAsync(string path) => await _http.GetFromJsonAsync<JsonElement>(path);

    public void Dispose() => _http.Dispose();

    private async Task<T> ScalarAsync<T>(string sql, Guid id)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        cmd.Parameters.AddWithValue("id", id);
        return (T)(await cmd.ExecuteScalarAsync())!;
    }

    /// <summary>Any POST as the organisation admin; the answer's body (default when empty), or an exception naming the status.</summary>
    public async Task<JsonElement> PostAsync(string path, object body)
    {
        using var response = await _http.PostAsJsonAsync(path, body);
        return await SucceededAsync("POST", path, response);
    }

    /// <summary>Any PUT as the organisation admin; the answer's body, or an exception naming the status.</summary>
    public async Task<JsonElement> PutAsync(string path, object body)
    {
        using var response = await _http.PutAsJsonAsync(path, body);
        return await SucceededAsync("PUT", path, response);
    }

    /// <summary>A POST whose answer may be an error: its status and body.</summary>
    public async Task<(int Status, JsonElement Body)> PostForStatusAsync(string path, object body)
    {
        using var response = await _http.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, Parse(text));
    }

    private static async Task<JsonElement> SucceededAsync(string method, string path, HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return response.IsSuccessStatusCode ? Parse(text) : throw new HttpRequestException($"{method} {path}: {(int)response.StatusCode} {text}");
    }

    private static JsonElement Parse(string text) => text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();

    private static Guid Id(JsonElement body) => body.GetProperty("id").GetGuid();
}
