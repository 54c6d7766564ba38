using System.Net.Http.Json;
using System.Text.Json;

namespace Coworking.Edge.Bridges.Brivo;

/// <summary>
/// Brivo's Access API as the bridge uses it: <c>api-key</c> and <c>Authorization: Bearer</c> on every call, lists paged with
/// <c>offset</c>/<c>pageSize</c> until <c>count</c> is reached, errors as <c>{code, message}</c>. A call refused with
/// <c>invalid_token</c> is sent once more with a fresh token. The HttpClient behind it carries the resilience pipeline
/// (BridgeServices): 5xx, 408, 429 and timeouts are retried with jittered backoff.
/// </summary>
public sealed class BrivoClient
{
    public const int PageSize = 100;

    private readonly HttpClient _http;
    private readonly Uri _apiBase;
    private readonly Uri _tokenUrl;
    private readonly VendorAccountSettings _account;
    private readonly BrivoTokens _tokens;

    internal BrivoClient(HttpClient http, Uri apiBase, Uri tokenUrl, VendorAccountSettings account, BrivoTokens tokens)
    {
        (_http, _apiBase, _tokenUrl, _account, _tokens) = (http, apiBase, tokenUrl, account, tokens);
    }

    /// <param name="filter">Brivo's <c>field__eq:a,b</c>; null: every user of the account.</param>
    internal Task<List<BrivoUser>> UsersAsync(string? filter, CancellationToken cancellationToken) => ListAsync<BrivoUser>("users", cancellationToken, filter);

    internal Task<List<BrivoGroup>> UserGroupsAsync(long userId, CancellationToken cancellationToken) => ListAsync<BrivoGroup>($"users/{userId}/groups", cancellationToken);

    internal Task<List<BrivoGroup>> GroupsAsync(CancellationToken cancellationToken) => ListAsync<BrivoGroup>("groups", cancellationToken);

    internal Task<List<BrivoUser>> GroupUsersAsync(long groupId, CancellationToken cancellationToken) => ListAsync<BrivoUser>($"groups/{groupId}/users", cancellationToken);

    internal Task<List<BrivoPermission>> GroupPermissionsAsync(long groupId, CancellationToken cancellationToken) =>
        ListAsync<BrivoPermission>($"groups/{groupId}/access-points", cancellationToken);

    internal Task<List<BrivoSchedule>> SchedulesAsync(CancellationToken cancellationToken) => ListAsync<BrivoSchedule>("schedules", cancellationToken);

    internal Task<List<BrivoCredential>> CredentialsAsync(string? filter, CancellationToken cancellationToken) => ListAsync<BrivoCredential>("credentials", cancellationToken, filter);

    /// <summary>Access events after the instant, oldest first.</summary>
    internal Task<List<BrivoAccessEvent>> AccessEventsAsync(DateTimeOffset after, CancellationToken cancellationToken) =>
        ListAsync<BrivoAccessEvent>("events/access", cancellationToken, "occurred__gt:" + after.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture));

    internal Task<BrivoUser> CreateUserAsync(string externalId, string lastName, CancellationToken cancellationToken) =>
        SendAsync<BrivoUser>(HttpMethod.Post, "users", new { firstName = "coworking", lastName, externalId }, cancellationToken);

    internal Task DeleteUserAsync(long id, CancellationToken cancellationToken) => SendAsync<JsonElement?>(HttpMethod.Delete, $"users/{id}", null, cancellationToken);

    internal Task<BrivoGroup> CreateGroupAsync(string name, CancellationToken cancellationToken) =>
        SendAsync<BrivoGroup>(HttpMethod.Post, "groups", new { name }, cancellationToken);

    internal Task DeleteGroupAsync(long id, CancellationToken cancellationToken) => SendAsync<JsonElement?>(HttpMethod.Delete, $"groups/{id}", null, cancellationToken);

    internal Task AddMemberAsync(long groupId, long userId, CancellationToken cancellationToken) =>
        SendAsync<JsonElement?>(HttpMethod.Put, $"groups/{groupId}/users/{userId}", null, cancellationToken);

    internal Task RemoveMemberAsync(long groupId, long userId, CancellationToken cancellationToken) =>
        SendAsync<JsonElement?>(HttpMethod.Delete, $"groups/{groupId}/users/{userId}", null, cancellationToken);

    internal Task PermitAsync(long groupId, long accessPointId, long scheduleId, CancellationToken cancellationToken) =>
        SendAsync<JsonElement?>(HttpMethod.Put, $"groups/{groupId}/access-points/{accessPointId}/schedules/{scheduleId}", null, cancellationToken);

    internal Task ForbidAsync(long groupId, long accessPointId, CancellationToken cancellationToken) =>
        SendAsync<JsonElement?>(HttpMethod.Delete, $"groups/{groupId}/access-points/{accessPointId}", null, cancellationToken);

    internal Task<BrivoSchedule> CreateScheduleAsync(string name, IReadOnlyList<BrivoScheduleBlock> blocks, IReadOnlyList<BrivoScheduleException> exceptions, CancellationToken cancellationToken) =>
        SendAsync<BrivoSchedule>(HttpMethod.Post, "schedules", new { name, scheduleBlocks = blocks, exceptionBlocks = exceptions }, cancellationToken);

    internal Task DeleteScheduleAsync(long id, CancellationToken cancellationToken) => SendAsync<JsonElement?>(HttpMethod.Delete, $"schedules/{id}", null, cancellationToken);

    /// <summary>A credential of Brivo's "Unknown Format" (110), the holder's key at Brivo's doors; it opens only once assigned to a user.</summary>
    internal Task<BrivoCredential> CreateCredentialAsync(string referenceId, CancellationToken cancellationToken) =>
        SendAsync<BrivoCredential>(HttpMethod.Post, "credentials", new { referenceId, credentialFormat = new { id = 110 } }, cancellationToken);

    internal Task AssignCredentialAsync(long userId, long credentialId, CancellationToken cancellationToken) =>
        SendAsync<JsonElement?>(HttpMethod.Put, $"users/{userId}/credentials/{credentialId}", null, cancellationToken);

    internal Task DeleteCredentialAsync(long id, CancellationToken cancellationToken) => SendAsync<JsonElement?>(HttpMethod.Delete, $"credentials/{id}", null, cancellationToken);

    internal Task UnlockAsync(long accessPointId, CancellationToken cancellationToken) =>
        SendAsync<JsonElement?>(HttpMethod.Post, $"access-points/{accessPointId}/unlock", new { }, cancellationToken);

    private async Task<List<T>> ListAsync<T>(string path, CancellationToken cancellationToken, string? filter = null)
    {
        var all = new List<T>();
        while (true)
        {
            var query = $"{path}?offset={all.Count}&pageSize={PageSize}" + (filter is null ? "" : "&filter=" + Uri.EscapeDataString(filter));
            var page = await SendAsync<BrivoPage<T>>(HttpMethod.Get, query, null, cancellationToken);
            all.AddRange(page.Data);
            if (page.Data.Count == 0 || all.Count >= page.Count)
            {
                return all;
            }
        }
    }

    private async Task<T> SendAsync<T>(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var token = await _tokens.GetAsync(_account, _tokenUrl, cancellationToken);
            using var request = new HttpRequestMessage(method, new Uri(_apiBase.ToString().TrimEnd('/') + "/" + path))
            {
                Content = body is null ? null : JsonContent.Create(body, options: VendorJson.CamelCase),
            };
            request.Headers.TryAddWithoutValidation("api-key", _account.Secret("api_key"));
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);
            request.Headers.Accept.ParseAdd("application/json");
            using var response = await _http.SendAsync(request, cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                return await VendorJson.ReadAsync<T>(response, VendorJson.CamelCase, cancellationToken);
            }

            var error = await ErrorAsync(response, cancellationToken);
            if (attempt == 0 && BrivoTokens.IsInvalidToken(error))
            {
                _tokens.Invalidate(token);
                continue;
            }

            throw error;
        }
    }

    /// <summary>Brivo's <c>{code, message}</c>, or OAuth's <c>{error, error_description}</c> from the token endpoint.</summary>
    internal static async Task<BrivoException> ErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var (status, code, message) = await VendorApiException.ReadAsync(response, ["error", "code"], ["error_description", "message"], cancellationToken);
        return new BrivoException(status, code, message);
    }
}
