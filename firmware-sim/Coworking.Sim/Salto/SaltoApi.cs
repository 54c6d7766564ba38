using System.Globalization;
using System.Text.Json;
using static Coworking.Sim.Control.JsonFields;

namespace Coworking.Sim.Salto;

/// <summary>
/// Salto KS's API as the sim plays it. <c>POST /salto/connect/token</c> takes a form (<c>grant_type=client_credentials</c>,
/// <c>client_id</c>, <c>client_secret</c>, <c>scope</c>) and answers a bearer token. Resources under
/// <c>/salto/v1.2/sites/{siteId}</c>: users, access groups with their time schedules, their locks and users, locks, and the
/// locking PATCH (<c>{locked_state: "unlocked", otp}</c>); entries under <c>/salto/v1.1/sites/{siteId}/entries</c>. Errors
/// are <c>{ErrorCode, Message}</c>. Lists answer <c>{items, next_page_link}</c> (<c>$top</c> up to 100, <c>$skip</c>); users and an access
/// group's users and locks take <c>$filter=field eq 'value' or …</c> (<see cref="SaltoFilter"/>).
/// Salto KS is eventually consistent: what was just created stays out of lists, is 404 <c>2202</c> when named in the path
/// and 403 <c>2203</c> when linked to, for <c>provisioningDelayMs</c>.
/// </summary>
internal static class SaltoApi
{
    public const string TokenPath = "/salto/connect/token";
    public const string BasePath = "/salto/v1.2/sites/{siteId}";
    public const string NotFoundYet = "2202";
    public const string NotProvisionedYet = "2203";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static void MapSaltoApi(this IEndpointRouteBuilder app)
    {
        app.MapPost(TokenPath, TokenAsync);
        var api = app.MapGroup(BasePath).AddEndpointFilter(Guard);
        api.MapGet("/users", ListUsers);
        api.MapPost("/users", CreateUserAsync);
        api.MapDelete("/users/{id}", (string siteId, string id, SaltoStore s, TimeProvider t) => Remove(s, t, s.Users, u => u.Id == id && u.SiteId == siteId, u => u.VisibleAt, () =>
        {
            s.GroupUsers.RemoveAll(l => l.ItemId == id);
        }));
        api.MapGet("/access_groups", (string siteId, HttpContext c, SaltoStore s, TimeProvider t) => List(c, s, s.AccessGroups.Where(g => g.SiteId == siteId && g.VisibleAt <= t.GetUtcNow())));
        api.MapPost("/access_groups", CreateAccessGroupAsync);
        api.MapDelete("/access_groups/{id}", (string siteId, string id, SaltoStore s, TimeProvider t) => Remove(s, t, s.AccessGroups, g => g.Id == id && g.SiteId == siteId, g => g.VisibleAt, () =>
        {
            s.GroupLocks.RemoveAll(l => l.AccessGroupId == id);
            s.GroupUsers.RemoveAll(l => l.AccessGroupId == id);
        }));
        api.MapGet("/access_groups/{id}/locks", (string id, HttpContext c, SaltoStore s, TimeProvider t) => Links(c, s, t, id, s.GroupLocks));
        api.MapPut("/access_groups/{id}/locks/{lockId}", (string siteId, string id, string lockId, SaltoStore s, TimeProvider t) => Link(s, t, siteId, id, lockId, s.GroupLocks, isLock: true));
        api.MapDelete("/access_groups/{id}/locks/{lockId}", (string id, string lockId, SaltoStore s) => Unlink(s, s.GroupLocks, id, lockId));
        api.MapGet("/access_groups/{id}/users", (string id, HttpContext c, SaltoStore s, TimeProvider t) => Links(c, s, t, id, s.GroupUsers));
        api.MapPut("/access_groups/{id}/users/{userId}", (string siteId, string id, string userId, SaltoStore s, TimeProvider t) => Link(s, t, siteId, id, userId, s.GroupUsers, isLock: false));
        api.MapDelete("/access_groups/{id}/users/{userId}", (string id, string userId, SaltoStore s) => Unlink(s, s.GroupUsers, id, userId));
        api.MapGet("/locks", (string siteId, HttpContext c, SaltoStore s) => List(c, s, s.Locks.Where(l => l.SiteId == siteId)));
        api.MapMethods("/locks/{id}/locking", ["PATCH"], LockingAsync);
        app.MapGroup("/salto/v1.1/sites/{siteId}").AddEndpointFilter(Guard)
            .MapGet("/entries", (string siteId, HttpContext c, SaltoStore s) =>
                After(c.Request.Query["$filter"].ToString()) is { } after
                    ? List(c, s, s.Entries.Where(e => e.SiteId == siteId && e.Date > after))
                    : Error(400, "400", "$filter takes only \"date gt <instant>\""));
    }

    /// <summary>The one OData filter the entries take: <c>date gt &lt;instant&gt;</c>; no filter is since ever, anything else null.</summary>
    private static DateTimeOffset? After(string filter) =>
        filter.Length == 0 ? DateTimeOffset.MinValue
        : filter.StartsWith("date gt ", StringComparison.Ordinal) && DateTimeOffset.TryParse(filter[8..], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at
        : null;

    public static IResult Error(int status, string code, string message) =>
        Results.Json(new Dictionary<string, string> { ["ErrorCode"] = code, ["Message"] = message }, statusCode: status);

    /// <summary>Over the tenant's requests a second: 429 with Retry-After, in Salto's error shape.</summary>
    private static IResult TooManyRequests(HttpContext http)
    {
        http.Response.Headers.RetryAfter = "1";
        return Error(429, "429", "Too many requests");
    }

    private static async Task<IResult> TokenAsync(HttpRequest request, SaltoStore store, TimeProvider time)
    {
        if (!store.Rate.Admit(time.GetUtcNow()))
        {
            return TooManyRequests(request.HttpContext);
        }

        if (!request.HasFormContentType)
        {
            return Results.Json(new Dictionary<string, string> { ["error"] = "invalid_request" }, statusCode: 400);
        }

        var form = await request.ReadFormAsync();
        if (form["grant_type"] != "client_credentials" || form["client_id"] != store.Options.ClientId || form["client_secret"] != store.Options.ClientSecret)
        {
            return Results.Json(new Dictionary<string, string> { ["error"] = "invalid_client" }, statusCode: 400);
        }

        var token = Guid.NewGuid().ToString("N");
        lock (store.Sync)
        {
            store.Tokens.Add(token);
        }

        return Results.Json(new Dictionary<string, object> { ["access_token"] = token, ["expires_in"] = store.Options.TokenSeconds, ["token_type"] = "Bearer", ["scope"] = "user_api.full_access" });
    }

    private static ValueTask<object?> Guard(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var store = http.RequestServices.GetRequiredService<SaltoStore>();
        var auth = http.Request.Headers.Authorization.ToString();
        if (!store.Rate.Admit(http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow()))
        {
            return ValueTask.FromResult<object?>(TooManyRequests(http));
        }

        lock (store.Sync)
        {
            if (!auth.StartsWith("Bearer ", StringComparison.Ordinal) || !store.Tokens.Contains(auth[7..]))
            {
                return ValueTask.FromResult<object?>(Error(401, "401", "Unauthorized: a bearer token from /connect/token is required"));
            }

            if (store.Options.Sites.All(s => s.Id != http.Request.RouteValues["siteId"]?.ToString()))
            {
                return ValueTask.FromResult<object?>(Error(404, "404", "Site not found"));
            }

            if (store.Down)
            {
                return ValueTask.FromResult<object?>(Error(503, "503", "Service unavailable"));
            }

            if (store.FailNext > 0)
            {
                store.FailNext--;
                return ValueTask.FromResult<object?>(Error(store.FailStatus, store.FailStatus.ToString(CultureInfo.InvariantCulture), "Internal server error"));
            }
        }

        return next(context);
    }

    private static IResult List<T>(HttpContext context, SaltoStore store, IEnumerable<T> items)
    {
        var query = context.Request.Query;
        var top = int.TryParse(query["$top"], CultureInfo.InvariantCulture, out var t) ? t : 100;
        var skip = int.TryParse(query["$skip"], CultureInfo.InvariantCulture, out var k) ? k : 0;
        if (top is < 1 or > 100 || skip < 0)
        {
            return Error(400, "400", "$top must be 1-100 and $skip 0 or more");
        }

        List<T> all;
        lock (store.Sync)
        {
            all = [.. items];
        }

        var filter = context.Request.Query["$filter"].ToString();
        var next = skip + top < all.Count
            ? $"{context.Request.Scheme}://{context.Request.Host}{context.Request.Path}?$top={top}&$skip={skip + top}" + (filter.Length > 0 ? "&$filter=" + Uri.EscapeDataString(filter) : "")
            : null;
        return Results.Json(new { items = all.Skip(skip).Take(top), next_page_link = next }, Json);
    }

    private static IResult ListUsers(string siteId, HttpContext context, SaltoStore store, TimeProvider time)
    {
        lock (store.Sync)
        {
            store.UnfilteredUserLists += context.Request.Query["$filter"].ToString().Length == 0 ? 1 : 0;
            return Filtered(context, store, store.Users.Where(u => u.SiteId == siteId && u.VisibleAt <= time.GetUtcNow()).ToList());
        }
    }

    /// <summary>A list that takes <see cref="SaltoFilter"/>'s <c>$filter</c>.</summary>
    private static IResult Filtered<T>(HttpContext context, SaltoStore store, List<T> items) =>
        SaltoFilter.TryParse(context.Request.Query["$filter"].ToString(), out var filter)
            ? List(context, store, items.Select(i => JsonSerializer.SerializeToElement(i, Json)).Where(filter.Matches))
            : Error(400, "400", "$filter takes field eq 'value' terms joined by or");

    private static IResult Links(HttpContext context, SaltoStore store, TimeProvider time, string groupId, List<SaltoLink> links)
    {
        var now = time.GetUtcNow();
        lock (store.Sync)
        {
            var group = store.AccessGroups.FirstOrDefault(g => g.Id == groupId);
            if (group is null || group.VisibleAt > now)
            {
                return NotYet(store, group is null ? "404" : NotFoundYet);
            }

            return Filtered(context, store, links.Where(l => l.AccessGroupId == groupId && l.VisibleAt <= now).Select(l => new { id = l.ItemId }).ToList());
        }
    }

    private static IResult NotYet(SaltoStore store, string code)
    {
        if (code == NotFoundYet)
        {
            store.NotYetProvisioned++;
        }

        return Error(404, code, code == NotFoundYet ? "The entity is not available yet" : "Not found");
    }

    private static IResult Remove<T>(SaltoStore store, TimeProvider time, List<T> items, Predicate<T> match, Func<T, DateTimeOffset> visibleAt, Action cascade)
    {
        lock (store.Sync)
        {
            var index = items.FindIndex(match);
            if (index < 0)
            {
                return Error(404, "404", "Not found");
            }

            if (visibleAt(items[index]) > time.GetUtcNow())
            {
                return NotYet(store, NotFoundYet);
            }

            items.RemoveAt(index);
            cascade();
            return Results.NoContent();
        }
    }

    private static IResult Link(SaltoStore store, TimeProvider time, string siteId, string groupId, string itemId, List<SaltoLink> links, bool isLock)
    {
        var now = time.GetUtcNow();
        lock (store.Sync)
        {
            var group = store.AccessGroups.FirstOrDefault(g => g.Id == groupId && g.SiteId == siteId);
            DateTimeOffset? itemVisible = isLock
                ? store.Locks.Any(l => l.Id == itemId && l.SiteId == siteId) ? DateTimeOffset.MinValue : null
                : store.Users.FirstOrDefault(u => u.Id == itemId && u.SiteId == siteId)?.VisibleAt;
            if (group is null || itemVisible is null)
            {
                return Error(404, "404", "Access group or member not found");
            }

            if (group.VisibleAt > now || itemVisible > now)
            {
                store.NotYetProvisioned++;
                return Error(403, NotProvisionedYet, "The entity is not provisioned yet");
            }

            if (!links.Any(l => l.AccessGroupId == groupId && l.ItemId == itemId))
            {
                links.Add(new SaltoLink(groupId, itemId, store.VisibleFrom(now)));
            }

            return Results.NoContent();
        }
    }

    private static IResult Unlink(SaltoStore store, List<SaltoLink> links, string groupId, string itemId)
    {
        lock (store.Sync)
        {
            return links.RemoveAll(l => l.AccessGroupId == groupId && l.ItemId == itemId) > 0 ? Results.NoContent() : Error(404, "404", "Not a member");
        }
    }

    private static async Task<JsonElement?> BodyAsync(HttpRequest request)
    {
        try
        {
            var document = await JsonDocument.ParseAsync(request.Body);
            return document.RootElement.ValueKind == JsonValueKind.Object ? document.RootElement.Clone() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static async Task<IResult> CreateUserAsync(string siteId, HttpRequest request, SaltoStore store, TimeProvider time)
    {
        if (await BodyAsync(request) is not { } body || Text(body, "first_name") is not { Length: > 0 } first || Text(body, "last_name") is not { Length: > 0 } last)
        {
            return Error(400, "400", "first_name and last_name are required");
        }

        var user = new SaltoUser(Guid.NewGuid().ToString(), siteId, first, last, Text(body, "external_id"), store.VisibleFrom(time.GetUtcNow()));
        lock (store.Sync)
        {
            store.Users.Add(user);
        }

        return Results.Json(user, Json, statusCode: 201);
    }

    private static async Task<IResult> CreateAccessGroupAsync(string siteId, HttpRequest request, SaltoStore store, TimeProvider time)
    {
        if (await BodyAsync(request) is not { } body || Text(body, "name") is not { Length: > 0 } name)
        {
            return Error(400, "400", "name is required");
        }

        List<SaltoTimeSchedule> schedules;
        try
        {
            schedules = body.TryGetProperty("time_schedules", out var t) ? t.Deserialize<List<SaltoTimeSchedule>>(Json) ?? [] : [];
        }
        catch (JsonException)
        {
            return Error(400, "400", "time_schedules are {start_date, end_date, start_time, end_time, monday … sunday}");
        }

        if (schedules.Any(s => s.EndDate <= s.StartDate || SaltoTimeSchedule.Minutes(s.StartTime) < 0 || SaltoTimeSchedule.Minutes(s.EndTime) <= SaltoTimeSchedule.Minutes(s.StartTime)))
        {
            return Error(400, "400", "a time schedule ends after it starts, both in its dates and in its hours");
        }

        var group = new SaltoAccessGroup(Guid.NewGuid().ToString(), siteId, name, schedules, store.VisibleFrom(time.GetUtcNow()));
        lock (store.Sync)
        {
            store.AccessGroups.Add(group);
        }

        return Results.Json(group, Json, statusCode: 201);
    }

    private static async Task<IResult> LockingAsync(string siteId, string id, HttpRequest request, SaltoStore store, TimeProvider time)
    {
        if (await BodyAsync(request) is not { } body || Text(body, "locked_state") != "unlocked")
        {
            return Error(400, "400", "locked_state must be unlocked");
        }

        if (!Totp.Matches(store.Options.OtpSecret, Text(body, "otp"), time.GetUtcNow()))
        {
            return Error(403, "403", "The one-time code is missing or wrong");
        }

        lock (store.Sync)
        {
            if (store.Locks.All(l => l.Id != id || l.SiteId != siteId))
            {
                return Error(404, "404", "Lock not found");
            }

            store.Openings[id] = store.Openings.GetValueOrDefault(id) + 1;
        }

        return Results.NoContent();
    }
}
