using System.Net.Http.Json;
using System.Text.Json;

namespace Coworking.Edge.Bridges.Kisi;

/// <summary>
/// Kisi's REST API as the bridge uses it: <c>Authorization: KISI-LOGIN &lt;key&gt;</c>, lists paged with
/// <c>limit</c>/<c>offset</c> until <c>X-Collection-Range</c> says the last item came, errors as <c>{code, error}</c>.
/// The HttpClient behind it carries the rate gate and the resilience pipeline (BridgeServices).
/// </summary>
public sealed class KisiClient(HttpClient http, Uri apiBase, string apiKey)
{
    public const int PageSize = 100;

    internal async Task<List<KisiUser>> UsersAsync(CancellationToken cancellationToken) => await ListAsync<KisiUser>("users", cancellationToken);

    internal async Task<List<KisiGroup>> GroupsAsync(CancellationToken cancellationToken) => await ListAsync<KisiGroup>("groups", cancellationToken);

    internal async Task<List<KisiGroupLock>> GroupLocksAsync(CancellationToken cancellationToken) => await ListAsync<KisiGroupLock>("group_locks", cancellationToken);

    internal async Task<List<KisiRoleAssignment>> RoleAssignmentsAsync(CancellationToken cancellationToken) =>
        await ListAsync<KisiRoleAssignment>("role_assignments", cancellationToken);

    /// <summary>A managed user: Kisi sends no e-mail and needs no confirmation.</summary>
    internal async Task<KisiUser> CreateUserAsync(string name, string email, CancellationToken cancellationToken) =>
        await SendAsync<KisiUser>(HttpMethod.Post, "users", new { user = new { name, email, send_emails = false, confirm = true } }, cancellationToken);

    internal async Task DeleteUserAsync(long id, CancellationToken cancellationToken) => await SendAsync<JsonElement?>(HttpMethod.Delete, $"users/{id}", null, cancellationToken);

    internal async Task<KisiGroup> CreateGroupAsync(string name, string description, CancellationToken cancellationToken) =>
        await SendAsync<KisiGroup>(HttpMethod.Post, "groups", new { group = new { name, description } }, cancellationToken);

    internal async Task<KisiGroupLock> AddGroupLockAsync(long groupId, long lockId, CancellationToken cancellationToken) =>
        await SendAsync<KisiGroupLock>(HttpMethod.Post, "group_locks", new { group_lock = new { group_id = groupId, lock_id = lockId } }, cancellationToken);

    internal async Task<KisiRoleAssignment> AssignAsync(long userId, long groupId, DateTimeOffset? validFrom, DateTimeOffset? validUntil, CancellationToken cancellationToken) =>
        await SendAsync<KisiRoleAssignment>(
            HttpMethod.Post,
            "role_assignments",
            new { role_assignment = new { user_id = userId, role_id = "group_basic", group_id = groupId, valid_from = validFrom, valid_until = validUntil } },
            cancellationToken);

    internal async Task UnassignAsync(long id, CancellationToken cancellationToken) => await SendAsync<JsonElement?>(HttpMethod.Delete, $"role_assignments/{id}", null, cancellationToken);

    internal async Task UnlockAsync(long lockId, CancellationToken cancellationToken) => await SendAsync<JsonElement?>(HttpMethod.Post, $"locks/{lockId}/unlock", new { }, cancellationToken);

    private async Task<List<T>> ListAsync<T>(string path, CancellationToken cancellationToken)
    {
        var all = new List<T>();
        while (true)
        {
            using var request = Request(HttpMethod.Get, $"{path}?limit={PageSize}&offset={all.Count}", null);
            using var response = await http.SendAsync(request, cancellationToken);
            await ThrowIfFailedAsync(response, cancellationToken);
            var page = await response.Content.ReadFromJsonAsync<List<T>>(VendorJson.SnakeCase, cancellationToken) ?? [];
            all.AddRange(page);
            if (page.Count == 0 || !HasMore(response, all.Count))
            {
                return all;
            }
        }
    }

    /// <summary>X-Collection-Range is "first-last/total" (e.g. "0-99/250"); without it a short page is the last.</summary>
    private static bool HasMore(HttpResponseMessage response, int received)
    {
        if (response.Headers.TryGetValues("X-Collection-Range", out var values)
            && values.FirstOrDefault()?.Split('/') is [_, var total] && int.TryParse(total, out var count))
        {
            return received < count;
        }

        return received % PageSize == 0;
    }

    private async Task<T> SendAsync<T>(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        using var request = Request(method, path, body);
        using var response = await http.SendAsync(request, cancellationToken);
        await ThrowIfFailedAsync(response, cancellationToken);
        return await VendorJson.ReadAsync<T>(response, VendorJson.SnakeCase, cancellationToken);
    }

    private HttpRequestMessage Request(HttpMethod method, string path, object? body)
    {
        var request = new HttpRequestMessage(method, new Uri(apiBase.ToString().TrimEnd('/') + "/" + path))
        {
            Content = body is null ? null : JsonContent.Create(body, options: VendorJson.SnakeCase),
        };
        request.Headers.TryAddWithoutValidation("Authorization", $"KISI-LOGIN {apiKey}");
        request.Headers.Accept.ParseAdd("application/json");
        return request;
    }

    private static async Task ThrowIfFailedAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            var (status, code, message) = await VendorApiException.ReadAsync(response, ["code"], ["error"], cancellationToken);
            throw new KisiException(status, code, message);
        }
    }
}
