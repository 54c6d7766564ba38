using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using static Coworking.Sim.Control.JsonFields;

namespace Coworking.Sim.Kisi;

/// <summary>
/// Kisi's REST API as its documentation describes it, under /kisi/api: <c>Authorization: KISI-LOGIN &lt;key&gt;</c>;
/// lists take <c>limit</c> (default 10, at most 100) and <c>offset</c> and answer <c>X-Collection-Range: first-last/total</c>;
/// errors are <c>{code, error}</c>; more than the key's requests in one second are answered 429 with Retry-After.
/// Users, groups, group locks, role assignments (<c>group_basic</c> with <c>valid_from</c>/<c>valid_until</c>), locks and unlocks.
/// </summary>
internal static class KisiApi
{
    public const string BasePath = "/kisi/api";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public static void MapKisiApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup(BasePath).AddEndpointFilter(GuardAsync);
        api.MapGet("/users", (HttpContext c, KisiStore s) => List(c, s, s.Users));
        api.MapPost("/users", CreateUser);
        api.MapDelete("/users/{id:long}", (long id, KisiStore s) => Delete(s, s.Users, u => u.Id == id, () => s.RoleAssignments.RemoveAll(r => r.UserId == id)));
        api.MapGet("/groups", (HttpContext c, KisiStore s) => List(c, s, s.Groups));
        api.MapPost("/groups", CreateGroup);
        api.MapDelete("/groups/{id:long}", (long id, KisiStore s) => Delete(s, s.Groups, g => g.Id == id, () => s.GroupLocks.RemoveAll(g => g.GroupId == id)));
        api.MapGet("/group_locks", (HttpContext c, KisiStore s) => List(c, s, s.GroupLocks));
        api.MapPost("/group_locks", CreateGroupLock);
        api.MapGet("/role_assignments", (HttpContext c, KisiStore s) => List(c, s, s.RoleAssignments));
        api.MapPost("/role_assignments", CreateRoleAssignment);
        api.MapDelete("/role_assignments/{id:long}", (long id, KisiStore s) => Delete(s, s.RoleAssignments, r => r.Id == id, () => { }));
        api.MapGet("/locks", (HttpContext c, KisiStore s) => List(c, s, s.Locks));
        api.MapPost("/locks/{id:long}/unlock", Unlock);
    }

    public static IResult Error(int status, string code, string message) => Results.Json(new { code, error = message }, Json, statusCode: status);

    private static async ValueTask<object?> GuardAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var store = http.RequestServices.GetRequiredService<KisiStore>();
        var now = http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        if (!store.Admit(now))
        {
            http.Response.Headers.RetryAfter = "1";
            return Error(429, "too_many_requests", "Rate limit exceeded: 5 requests per second");
        }

        var auth = http.Request.Headers.Authorization.ToString();
        if (auth != $"KISI-LOGIN {store.Options.ApiKey}")
        {
            return Error(401, "unauthorized", "Authorization: KISI-LOGIN <api key> is required");
        }

        lock (store.Sync)
        {
            if (store.Down)
            {
                return Error(503, "service_unavailable", "Kisi is temporarily unavailable");
            }

            if (store.FailNext > 0)
            {
                store.FailNext--;
                return Error(store.FailStatus, "internal_server_error", "Something went wrong");
            }
        }

        return await next(context);
    }

    private static IResult List<T>(HttpContext context, KisiStore store, List<T> items)
    {
        var query = context.Request.Query;
        var limit = int.TryParse(query["limit"], CultureInfo.InvariantCulture, out var l) ? l : 10;
        var offset = int.TryParse(query["offset"], CultureInfo.InvariantCulture, out var o) ? o : 0;
        if (limit is < 1 or > 100 || offset < 0)
        {
            return Error(422, "unprocessable_entity", "limit must be 1-100 and offset 0 or more");
        }

        List<T> page;
        int total;
        lock (store.Sync)
        {
            total = items.Count;
            page = [.. items.Skip(offset).Take(limit)];
        }

        context.Response.Headers["X-Collection-Range"] = page.Count == 0 ? $"*/{total}" : $"{offset}-{offset + page.Count - 1}/{total}";
        return Results.Json(page, Json);
    }

    private static IResult Delete<T>(KisiStore store, List<T> items, Predicate<T> match, Action cascade)
    {
        lock (store.Sync)
        {
            if (items.RemoveAll(match) == 0)
            {
                return Error(404, "not_found", "Not found");
            }

            cascade();
        }

        return Results.NoContent();
    }

    private static async Task<IResult> CreateUser(HttpRequest request, KisiStore store, TimeProvider time)
    {
        if (await BodyAsync(request, "user") is not { } user)
        {
            return Error(422, "unprocessable_entity", "a user object is required");
        }

        var name = Text(user, "name");
        var email = Text(user, "email");
        if (string.IsNullOrWhiteSpace(name) || email is null || !email.Contains('@'))
        {
            return Error(422, "unprocessable_entity", "name and a valid email are required");
        }

        lock (store.Sync)
        {
            if (store.Users.Any(u => string.Equals(u.Email, email, StringComparison.OrdinalIgnoreCase)))
            {
                return Error(422, "unprocessable_entity", "email has already been taken");
            }

            var created = new SimUser(store.NextId(), name, email, user.TryGetProperty("confirm", out var c) && c.ValueKind == JsonValueKind.True, time.GetUtcNow());
            store.Users.Add(created);
            return Results.Json(created, Json);
        }
    }

    private static async Task<IResult> CreateGroup(HttpRequest request, KisiStore store, TimeProvider time)
    {
        if (await BodyAsync(request, "group") is not { } group || string.IsNullOrWhiteSpace(Text(group, "name")))
        {
            return Error(422, "unprocessable_entity", "a group with a name is required");
        }

        var created = new SimGroup(store.NextId(), Text(group, "name")!, Text(group, "description"), time.GetUtcNow());
        lock (store.Sync)
        {
            store.Groups.Add(created);
        }

        return Results.Json(created, Json);
    }

    private static async Task<IResult> CreateGroupLock(HttpRequest request, KisiStore store)
    {
        if (await BodyAsync(request, "group_lock") is not { } body || Number(body, "group_id") is not { } groupId || Number(body, "lock_id") is not { } lockId)
        {
            return Error(422, "unprocessable_entity", "group_id and lock_id are required");
        }

        lock (store.Sync)
        {
            if (store.Groups.All(g => g.Id != groupId) || store.Locks.All(l => l.Id != lockId))
            {
                return Error(404, "not_found", "group or lock not found");
            }

            var created = new SimGroupLock(store.NextId(), groupId, lockId);
            store.GroupLocks.Add(created);
            return Results.Json(created, Json);
        }
    }

    private static async Task<IResult> CreateRoleAssignment(HttpRequest request, KisiStore store, TimeProvider time)
    {
        if (await BodyAsync(request, "role_assignment") is not { } body || Number(body, "user_id") is not { } userId)
        {
            return Error(422, "unprocessable_entity", "user_id is required");
        }

        var role = Text(body, "role_id");
        var groupId = Number(body, "group_id");
        if (role != "group_basic" || groupId is null)
        {
            return Error(422, "unprocessable_entity", "role_id must be group_basic with a group_id");
        }

        DateTimeOffset? from = Instant(body, "valid_from");
        DateTimeOffset? until = Instant(body, "valid_until");
        if (from is { } f && until is { } u && u <= f)
        {
            return Error(422, "unprocessable_entity", "valid_until must be after valid_from");
        }

        lock (store.Sync)
        {
            if (store.Users.All(x => x.Id != userId) || store.Groups.All(g => g.Id != groupId))
            {
                return Error(404, "not_found", "user or group not found");
            }

            var created = new SimRoleAssignment(store.NextId(), userId, groupId, role, from, until, time.GetUtcNow());
            store.RoleAssignments.Add(created);
            return Results.Json(created, Json);
        }
    }

    private static IResult Unlock(long id, KisiStore store)
    {
        lock (store.Sync)
        {
            if (store.Locks.All(l => l.Id != id))
            {
                return Error(404, "not_found", "lock not found");
            }

            store.Unlocks[id] = store.Unlocks.GetValueOrDefault(id) + 1;
        }

        return Results.Json(new { message = "Unlocked!" }, Json);
    }

    private static async Task<JsonElement?> BodyAsync(HttpRequest request, string root)
    {
        try
        {
            var document = await JsonDocument.ParseAsync(request.Body);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty(root, out var inner) && inner.ValueKind == JsonValueKind.Object
                ? inner.Clone()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
