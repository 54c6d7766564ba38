using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Coworking.Edge.Bridges.Salto;

/// <summary>
/// Salto KS's API for one site as the bridge uses it: a bearer token from the token endpoint (client credentials, a form),
/// kept until a minute before it expires; lists followed through <c>next_page_link</c>; errors as <c>{ErrorCode, Message}</c>.
/// Salto KS is eventually consistent, so a call answered 403 <c>2203</c> or 404 <c>2202</c> (just created, not provisioned
/// yet) is asked again with growing pauses for <see cref="SaltoOptions.ConsistencySeconds"/>. The HttpClient behind it
/// carries the resilience pipeline (BridgeServices): 5xx, 408, 429 and timeouts are retried with jittered backoff.
/// </summary>
public sealed class SaltoClient
{
    private readonly HttpClient _http;
    private readonly Uri _apiBase;
    private readonly SaltoTokens _tokens;
    private readonly VendorAccountSettings _account;
    private readonly SaltoOptions _options;
    private readonly TimeProvider _time;
    private readonly Action _notYetProvisioned;

    internal SaltoClient(HttpClient http, Uri apiBase, SaltoTokens tokens, VendorAccountSettings account, SaltoOptions options, TimeProvider time, Action notYetProvisioned)
    {
        (_http, _apiBase, _tokens, _account, _options, _time, _notYetProvisioned) = (http, apiBase, tokens, account, options, time, notYetProvisioned);
    }

    /// <param name="filter">An OData <c>$filter</c>; null: every user of the site.</param>
    internal Task<List<SaltoUser>> UsersAsync(string site, string? filter, CancellationToken cancellationToken) =>
        ListAsync<SaltoUser>(Filtered($"v1.2/sites/{site}/users", filter), cancellationToken);

    internal Task<List<SaltoAccessGroup>> AccessGroupsAsync(string site, CancellationToken cancellationToken) =>
        ListAsync<SaltoAccessGroup>($"v1.2/sites/{site}/access_groups", cancellationToken);

    internal Task<List<SaltoItem>> GroupLocksAsync(string site, string group, CancellationToken cancellationToken) =>
        ListAsync<SaltoItem>($"v1.2/sites/{site}/access_groups/{group}/locks", cancellationToken);

    internal Task<List<SaltoItem>> GroupUsersAsync(string site, string group, string? filter, CancellationToken cancellationToken) =>
        ListAsync<SaltoItem>(Filtered($"v1.2/sites/{site}/access_groups/{group}/users", filter), cancellationToken);

    internal Task<List<SaltoEntry>> EntriesAsync(string site, DateTimeOffset after, CancellationToken cancellationToken) =>
        ListAsync<SaltoEntry>(
            Filtered($"v1.1/sites/{site}/entries", "date gt " + after.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture)),
            cancellationToken);

    internal Task<SaltoUser> CreateUserAsync(string site, string externalId, string lastName, CancellationToken cancellationToken) =>
        SendAsync<SaltoUser>(HttpMethod.Post, $"v1.2/sites/{site}/users", new { first_name = "coworking", last_name = lastName, external_id = externalId }, cancellationToken);

    internal Task DeleteUserAsync(string site, string id, CancellationToken cancellationToken) => SendAsync<JsonElement?>(HttpMethod.Delete, $"v1.2/sites/{site}/users/{id}", null, cancellationToken);

    internal Task<SaltoAccessGroup> CreateAccessGroupAsync(string site, string name, SaltoTimeSchedule schedule, CancellationToken cancellationToken) =>
        SendAsync<SaltoAccessGroup>(HttpMethod.Post, $"v1.2/sites/{site}/access_groups", new { name, time_schedules = new[] { schedule } }, cancellationToken);

    internal Task DeleteAccessGroupAsync(string site, string id, CancellationToken cancellationToken) =>
        SendAsync<JsonElement?>(HttpMethod.Delete, $"v1.2/sites/{site}/access_groups/{id}", null, cancellationToken);

    internal Task AddLockAsync(string site, string group, string lockId, CancellationToken cancellationToken) =>
        SendAsync<JsonElement?>(HttpMethod.Put, $"v1.2/sites/{site}/access_groups/{group}/locks/{lockId}", null, cancellationToken);

    internal Task RemoveLockAsync(string site, string group, string lockId, CancellationToken cancellationToken) =>
        SendAsync<JsonElement?>(HttpMethod.Delete, $"v1.2/sites/{site}/access_groups/{group}/locks/{lockId}", null, cancellationToken);

    internal Task AddUserAsync(string site, string group, string userId, CancellationToken cancellationToken) =>
        SendAsync<JsonElement?>(HttpMethod.Put, $"v1.2/sites/{site}/access_groups/{group}/users/{userId}", null, cancellationToken);

    internal Task RemoveUserAsync(string site, string group, string userId, CancellationToken cancellationToken) =>
        SendAsync<JsonElement?>(HttpMethod.Delete, $"v1.2/sites/{site}/access_groups/{group}/users/{userId}", null, cancellationToken);

    /// <summary>Salto's locking PATCH: opens the lock now, with the account's one-time code.</summary>
    internal Task UnlockAsync(string site, string lockId, CancellationToken cancellationToken) =>
        SendAsync<JsonElement?>(
            new HttpMethod("PATCH"), $"v1.2/sites/{site}/locks/{lockId}/locking", new { locked_state = "unlocked", otp = SaltoOtp.Code(_account.Secret("otp_secret"), _time.GetUtcNow()) }, cancellationToken);

    private static string Filtered(string path, string? filter) => filter is null ? path : path + "?$filter=" + Uri.EscapeDataString(filter);

    private async Task<List<T>> ListAsync<T>(string path, CancellationToken cancellationToken)
    {
        var all = new List<T>();
        string? next = path;
        while (next is not null)
        {
            var page = await SendAsync<SaltoPage<T>>(HttpMethod.Get, next, null, cancellationToken);
            all.AddRange(page.Items);
            next = page.Items.Count == 0 ? null : page.NextPageLink;
        }

        return all;
    }

    private async Task<T> SendAsync<T>(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await SendOnceAsync<T>(method, path, body, cancellationToken);
            }
            catch (SaltoException error) when (error.NotYetProvisioned && _time.GetElapsedTime(started) < TimeSpan.FromSeconds(_options.ConsistencySeconds))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(5000, 250 * Math.Pow(2, Math.Min(attempt, 5)))), _time, cancellationToken);
            }
        }
    }

    private async Task<T> SendOnceAsync<T>(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        var token = await _tokens.GetAsync(_account, cancellationToken);
        var uri = path.StartsWith("http", StringComparison.Ordinal) ? new Uri(path) : new Uri(_apiBase.ToString().TrimEnd('/') + "/" + path);
        using var request = new HttpRequestMessage(method, uri) { Content = body is null ? null : JsonContent.Create(body, options: VendorJson.SnakeCase) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Accept.ParseAdd("application/json");
        using var response = await _http.SendAsync(request, cancellationToken);
        if (response.IsSuccessStatusCode)
        {
            return await VendorJson.ReadAsync<T>(response, VendorJson.SnakeCase, cancellationToken);
        }

        var error = await ErrorAsync(response, cancellationToken);
        if (error.NotYetProvisioned)
        {
            _notYetProvisioned();
        }

        if (error.StatusCode == 401)
        {
            _tokens.Invalidate(token);
        }

        throw error;
    }

    internal static async Task<SaltoException> ErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var (status, code, message) = await VendorApiException.ReadAsync(response, ["ErrorCode", "error"], ["Message", "error_description"], cancellationToken);
        return new SaltoException(status, code, message);
    }
}

/// <summary>
/// Salto KS's bearer tokens: client credentials as a form to the identity server's <c>/connect/token</c> (the account's API
/// base for a simulator, else <see cref="SaltoOptions.Endpoints"/>), kept until a minute before they expire; never logged.
/// </summary>
public sealed class SaltoTokens(IHttpClientFactory httpClients, SaltoOptions options, TimeProvider time) : IDisposable
{
    private readonly VendorTokenCache _cache = new(time);

    internal Task<string> GetAsync(VendorAccountSettings account, CancellationToken cancellationToken)
    {
        var tokenUrl = new Uri((account.ApiBase.Length > 0 ? account.ApiBase : options.Endpoints().IdentityUrl.ToString()).TrimEnd('/') + "/connect/token");
        return _cache.GetAsync($"{account.Version}|{tokenUrl}", TimeSpan.FromSeconds(60), async (_, ct) =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, tokenUrl)
            {
                Content = new FormUrlEncodedContent(
                [
                    new("grant_type", "client_credentials"), new("client_id", account.Secret("client_id")), new("client_secret", account.Secret("client_secret")),
                    new("scope", "user_api.full_access"),
                ]),
            };
            using var response = await httpClients.CreateClient(SaltoBridge.VendorName).SendAsync(request, ct);
            if (!response.IsSuccessStatusCode)
            {
                throw await SaltoClient.ErrorAsync(response, ct);
            }

            var token = await response.Content.ReadFromJsonAsync<SaltoTokenResponse>(VendorJson.SnakeCase, ct)
                ?? throw new SaltoException((int)response.StatusCode, "invalid_response", "the token endpoint answered no token");
            return (token.AccessToken, null, token.ExpiresIn);
        }, cancellationToken);
    }

    internal void Invalidate(string token) => _cache.Invalidate(token);

    public void Dispose() => _cache.Dispose();
}
