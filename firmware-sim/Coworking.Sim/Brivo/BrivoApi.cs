using System.Globalization;
using System.Text;
using System.Text.Json;
using static Coworking.Sim.Control.JsonFields;

namespace Coworking.Sim.Brivo;

/// <summary>
/// Brivo's OAuth token endpoint and Access API as Brivo documents them. <c>POST /brivo/oauth/token</c> takes a form
/// (<c>grant_type=password</c> with <c>username</c>/<c>password</c>, or <c>refresh_token</c>) with the client's id and secret
/// in Basic auth and the <c>api-key</c> header, and answers a bearer token that lives <c>tokenSeconds</c> (300). The API
/// under /brivo/v1/api wants <c>api-key</c> and <c>Authorization: Bearer</c>; an expired or unknown token is 401
/// <c>{error: "invalid_token"}</c>, every other error <c>{code, message}</c>. Lists answer <c>{data, offset, pageSize, count}</c>
/// (pageSize 20 by default, at most 100) and take <c>filter=field__eq:a,b;other__gt:v</c>.
/// </summary>
internal static class BrivoApi
{
    public const string TokenPath = "/brivo/oauth/token";
    public const string BasePath = "/brivo/v1/api";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static void MapBrivoApi(this IEndpointRouteBuilder app)
    {
        app.MapPost(TokenPath, TokenAsync);
        var api = app.MapGroup(BasePath).AddEndpointFilter(Guard);
        api.MapGet("/users", ListUsers);
        api.MapPost("/users", CreateUserAsync);
        api.MapDelete("/users/{id:long}", DeleteUser);
        api.MapGet("/users/{id:long}/credentials", (long id, HttpContext c, BrivoStore s) => List(c, s, s.Credentials.Where(x => x.UserId == id)));
        api.MapPut("/users/{id:long}/credentials/{credentialId:long}", AssignCredential);
        api.MapGet("/users/{id:long}/groups", UserGroups);
        api.MapGet("/groups", (HttpContext c, BrivoStore s) => List(c, s, s.Groups));
        api.MapPost("/groups", CreateGroupAsync);
        api.MapDelete("/groups/{id:long}", DeleteGroup);
        api.MapGet("/groups/{id:long}/users", GroupUsers);
        api.MapPut("/groups/{id:long}/users/{userId:long}", AddMember);
        api.MapDelete("/groups/{id:long}/users/{userId:long}", RemoveMember);
        api.MapGet("/groups/{id:long}/access-points", (long id, HttpContext c, BrivoStore s) => List(c, s, s.Permissions.Where(p => p.GroupId == id)));
        api.MapPut("/groups/{id:long}/access-points/{accessPointId:long}/schedules/{scheduleId:long}", Permit);
        api.MapDelete("/groups/{id:long}/access-points/{accessPointId:long}", Forbid);
        api.MapGet("/credentials", (HttpContext c, BrivoStore s) => List(c, s, s.Credentials));
        api.MapPost("/credentials", CreateCredentialAsync);
        api.MapDelete("/credentials/{id:long}", (long id, BrivoStore s) => Delete(s, () => s.Credentials.RemoveAll(c => c.Id == id)));
        api.MapGet("/schedules", (HttpContext c, BrivoStore s) => List(c, s, s.Schedules));
        api.MapPost("/schedules", CreateScheduleAsync);
        api.MapDelete("/schedules/{id:long}", DeleteSchedule);
        api.MapGet("/access-points", (HttpContext c, BrivoStore s) => List(c, s, s.AccessPoints));
        api.MapPost("/access-points/{id:long}/unlock", Unlock);
        api.MapGet("/events/access", (HttpContext c, BrivoStore s) => List(c, s, s.Events));
    }

    public static IResult Error(int status, string message) => Results.Json(new { code = status, message }, Json, statusCode: status);

    /// <summary>Over the account's requests a second: 429 with Retry-After, in Brivo's error shape.</summary>
    private static IResult TooManyRequests(HttpContext http)
    {
        http.Response.Headers.RetryAfter = "1";
        return Error(429, "Rate limit exceeded");
    }

    private static async Task<IResult> TokenAsync(HttpRequest request, BrivoStore store, TimeProvider time)
    {
        var options = store.Options;
        if (!store.Rate.Admit(time.GetUtcNow()))
        {
            return TooManyRequests(request.HttpContext);
        }

        var basic = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{options.ClientId}:{options.ClientSecret}"));
        if (request.Headers.Authorization.ToString() != basic || request.Headers["api-key"].ToString() != options.ApiKey)
        {
            return OAuthError(401, "invalid_client", "Bad client credentials or api-key");
        }

        if (!request.HasFormContentType)
        {
            return OAuthError(400, "invalid_request", "The token request is form-encoded (application/x-www-form-urlencoded)");
        }

        var form = await request.ReadFormAsync();
        var now = time.GetUtcNow();
        lock (store.Sync)
        {
            var valid = form["grant_type"].ToString() switch
            {
                "password" => form["username"] == options.Username && form["password"] == options.Password,
                "refresh_token" => store.Tokens.Any(t => t.RefreshToken == form["refresh_token"]),
                _ => false,
            };
            if (!valid)
            {
                return OAuthError(400, "invalid_grant", "Bad credentials");
            }

            var token = new BrivoToken(Guid.NewGuid().ToString("N"), Guid.NewGuid().ToString("N"), now.AddSeconds(options.TokenSeconds));
            store.Tokens.Add(token);
            store.TokensIssued++;
            return Results.Json(
                new Dictionary<string, object>
                {
                    ["access_token"] = token.AccessToken, ["token_type"] = "bearer", ["refresh_token"] = token.RefreshToken,
                    ["expires_in"] = options.TokenSeconds, ["scope"] = "brivo.api", ["jti"] = Guid.NewGuid().ToString(),
                },
                Json);
        }
    }

    private static IResult OAuthError(int status, string error, string description) =>
        Results.Json(new Dictionary<string, string> { ["error"] = error, ["error_description"] = description }, Json, statusCode: status);

    private static ValueTask<object?> Guard(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var store = http.RequestServices.GetRequiredService<BrivoStore>();
        var now = http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        if (!store.Rate.Admit(now))
        {
            return ValueTask.FromResult<object?>(TooManyRequests(http));
        }

        lock (store.Sync)
        {
            if (http.Request.Headers["api-key"].ToString() != store.Options.ApiKey)
            {
                return ValueTask.FromResult<object?>(Error(403, "Developer Inactive: a valid api-key header is required"));
            }

            var auth = http.Request.Headers.Authorization.ToString();
            var bearer = auth.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? auth[7..] : "";
            if (!store.Tokens.Any(t => t.AccessToken == bearer && now < t.Expires))
            {
                store.InvalidTokens++;
                return ValueTask.FromResult<object?>(OAuthError(401, "invalid_token", "Access token expired or unknown"));
            }

            if (store.Down)
            {
                return ValueTask.FromResult<object?>(Error(503, "Service temporarily unavailable"));
            }

            if (store.FailNext > 0)
            {
                store.FailNext--;
                return ValueTask.FromResult<object?>(Error(store.FailStatus, "Internal server error"));
            }
        }

        return next(context);
    }

    private static IResult List<T>(HttpContext context, BrivoStore store, IEnumerable<T> items)
    {
        var query = context.Request.Query;
        var pageSize = int.TryParse(query["pageSize"], CultureInfo.InvariantCulture, out var p) ? p : 20;
        var offset = int.TryParse(query["offset"], CultureInfo.InvariantCulture, out var o) ? o : 0;
        if (pageSize is < 1 or > 100 || offset < 0)
        {
            return Error(400, "pageSize must be 1-100 and offset 0 or more");
        }

        if (!BrivoFilter.TryParse(query["filter"].ToString(), out var filter))
        {
            return Error(400, "filter must be field__op:value[,value…] with op eq, ne, gt or lt, several separated by ;");
        }

        List<JsonElement> matching;
        lock (store.Sync)
        {
            matching = [.. items.Select(i => JsonSerializer.SerializeToElement(i, Json)).Where(filter.Matches)];
        }

        return Results.Json(new { data = matching.Skip(offset).Take(pageSize), offset, pageSize, count = matching.Count }, Json);
    }

    private static IResult Delete(BrivoStore store, Func<int> remove)
    {
        lock (store.Sync)
        {
            return remove() > 0 ? Results.NoContent() : Error(404, "Not found");
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

    private static async Task<IResult> CreateUserAsync(HttpRequest request, BrivoStore store, TimeProvider time)
    {
        if (await BodyAsync(request) is not { } body || string.IsNullOrWhiteSpace(Text(body, "firstName")) || string.IsNullOrWhiteSpace(Text(body, "lastName")))
        {
            return Error(400, "firstName and lastName are required");
        }

        var externalId = Text(body, "externalId");
        lock (store.Sync)
        {
            if (externalId is not null && store.Users.Any(u => u.ExternalId == externalId))
            {
                return Error(409, "externalId is already in use");
            }

            var user = new BrivoUser(store.NextId(), Text(body, "firstName")!, Text(body, "lastName")!, externalId,
                body.TryGetProperty("suspended", out var s) && s.ValueKind == JsonValueKind.True, time.GetUtcNow());
            store.Users.Add(user);
            return Results.Json(user, Json);
        }
    }

    private static IResult DeleteUser(long id, BrivoStore store)
    {
        lock (store.Sync)
        {
            if (store.Users.RemoveAll(u => u.Id == id) == 0)
            {
                return Error(404, "User not found");
            }

            foreach (var members in store.Members.Values)
            {
                members.Remove(id);
            }

            for (var i = 0; i < store.Credentials.Count; i++)
            {
                if (store.Credentials[i].UserId == id)
                {
                    store.Credentials[i] = store.Credentials[i] with { UserId = null };
                }
            }

            return Results.NoContent();
        }
    }

    private static IResult AssignCredential(long id, long credentialId, BrivoStore store)
    {
        lock (store.Sync)
        {
            var index = store.Credentials.FindIndex(c => c.Id == credentialId);
            if (index < 0 || store.Users.All(u => u.Id != id))
            {
                return Error(404, "User or credential not found");
            }

            if (store.Credentials[index].UserId is { } owner && owner != id)
            {
                return Error(409, "The credential belongs to another user");
            }

            store.Credentials[index] = store.Credentials[index] with { UserId = id };
            return Results.NoContent();
        }
    }

    private static async Task<IResult> CreateGroupAsync(HttpRequest request, BrivoStore store, TimeProvider time)
    {
        if (await BodyAsync(request) is not { } body || string.IsNullOrWhiteSpace(Text(body, "name")))
        {
            return Error(400, "name is required");
        }

        lock (store.Sync)
        {
            if (store.Groups.Any(g => g.Name == Text(body, "name")))
            {
                return Error(409, "A group of that name exists");
            }

            var group = new BrivoGroup(store.NextId(), Text(body, "name")!, time.GetUtcNow());
            store.Groups.Add(group);
            store.Members[group.Id] = [];
            return Results.Json(group, Json);
        }
    }

    private static IResult DeleteGroup(long id, BrivoStore store)
    {
        lock (store.Sync)
        {
            if (store.Groups.RemoveAll(g => g.Id == id) == 0)
            {
                return Error(404, "Group not found");
            }

            store.Members.Remove(id);
            store.Permissions.RemoveAll(p => p.GroupId == id);
            return Results.NoContent();
        }
    }

    private static IResult ListUsers(HttpContext context, BrivoStore store)
    {
        if (context.Request.Query["filter"].ToString().Length == 0)
        {
            lock (store.Sync)
            {
                store.UnfilteredUserLists++;
            }
        }

        return List(context, store, store.Users);
    }

    private static IResult UserGroups(long id, HttpContext context, BrivoStore store)
    {
        lock (store.Sync)
        {
            if (store.Users.All(u => u.Id != id))
            {
                return Error(404, "User not found");
            }

            return List(context, store, store.Groups.Where(g => store.Members.TryGetValue(g.Id, out var members) && members.Contains(id)).ToList());
        }
    }

    private static IResult GroupUsers(long id, HttpContext context, BrivoStore store)
    {
        lock (store.Sync)
        {
            if (!store.Members.TryGetValue(id, out var members))
            {
                return Error(404, "Group not found");
            }

            return List(context, store, store.Users.Where(u => members.Contains(u.Id)).ToList());
        }
    }

    private static IResult AddMember(long id, long userId, BrivoStore store)
    {
        lock (store.Sync)
        {
            if (!store.Members.TryGetValue(id, out var members) || store.Users.All(u => u.Id != userId))
            {
                return Error(404, "Group or user not found");
            }

            members.Add(userId);
            return Results.NoContent();
        }
    }

    private static IResult RemoveMember(long id, long userId, BrivoStore store)
    {
        lock (store.Sync)
        {
            return store.Members.TryGetValue(id, out var members) && members.Remove(userId) ? Results.NoContent() : Error(404, "Not a member of the group");
        }
    }

    private static IResult Permit(long id, long accessPointId, long scheduleId, BrivoStore store)
    {
        lock (store.Sync)
        {
            if (store.Groups.All(g => g.Id != id) || store.AccessPoints.All(a => a.Id != accessPointId) || store.Schedules.All(s => s.Id != scheduleId))
            {
                return Error(404, "Group, access point or schedule not found");
            }

            store.Permissions.RemoveAll(p => p.GroupId == id && p.AccessPointId == accessPointId);
            store.Permissions.Add(new BrivoPermission(id, accessPointId, scheduleId));
            return Results.NoContent();
        }
    }

    private static IResult Forbid(long id, long accessPointId, BrivoStore store) =>
        Delete(store, () => store.Permissions.RemoveAll(p => p.GroupId == id && p.AccessPointId == accessPointId));

    private static async Task<IResult> CreateCredentialAsync(HttpRequest request, BrivoStore store)
    {
        if (await BodyAsync(request) is not { } body || string.IsNullOrWhiteSpace(Text(body, "referenceId"))
            || !body.TryGetProperty("credentialFormat", out var format) || format.ValueKind != JsonValueKind.Object || Number(format, "id") is not { } formatId)
        {
            return Error(400, "referenceId and credentialFormat.id are required");
        }

        var from = Instant(body, "effectiveFrom");
        var expires = Instant(body, "expires");
        if (from is { } f && expires is { } e && e <= f)
        {
            return Error(400, "expires must be after effectiveFrom");
        }

        lock (store.Sync)
        {
            if (store.Credentials.Any(c => c.ReferenceId == Text(body, "referenceId")))
            {
                return Error(409, "A credential with that referenceId exists");
            }

            var credential = new BrivoCredential(store.NextId(), Text(body, "referenceId")!, new BrivoCredentialFormat(formatId, formatId == 110 ? "Unknown Format" : "Format " + formatId), null, from, expires);
            store.Credentials.Add(credential);
            return Results.Json(credential, Json);
        }
    }

    private static async Task<IResult> CreateScheduleAsync(HttpRequest request, BrivoStore store)
    {
        if (await BodyAsync(request) is not { } body || string.IsNullOrWhiteSpace(Text(body, "name")))
        {
            return Error(400, "name is required");
        }

        List<BrivoScheduleBlock> blocks;
        List<BrivoScheduleException> exceptions;
        try
        {
            blocks = body.TryGetProperty("scheduleBlocks", out var b) ? b.Deserialize<List<BrivoScheduleBlock>>(Json) ?? [] : [];
            exceptions = body.TryGetProperty("exceptionBlocks", out var x) ? x.Deserialize<List<BrivoScheduleException>>(Json) ?? [] : [];
        }
        catch (JsonException)
        {
            return Error(400, "scheduleBlocks are {dayOfWeek, startTime, endTime}; exceptionBlocks {start, end, enabling}");
        }

        if (blocks.Any(k => k.DayOfWeek is < 0 or > 6 || BrivoSchedule.Minutes(k.StartTime) is < 0 or > 1440 || BrivoSchedule.Minutes(k.EndTime) <= BrivoSchedule.Minutes(k.StartTime)
                || BrivoSchedule.Minutes(k.EndTime) > 1440)
            || exceptions.Any(e => e.End <= e.Start))
        {
            return Error(400, "each block must end after it starts, within one day (00:00-24:00); each exception must end after it starts");
        }

        lock (store.Sync)
        {
            var schedule = new BrivoSchedule(store.NextId(), Text(body, "name")!, Number(body, "siteId"), blocks, exceptions);
            store.Schedules.Add(schedule);
            return Results.Json(schedule, Json);
        }
    }

    private static IResult DeleteSchedule(long id, BrivoStore store)
    {
        lock (store.Sync)
        {
            if (store.Permissions.Any(p => p.ScheduleId == id))
            {
                return Error(409, "The schedule is in use by a group permission");
            }

            return store.Schedules.RemoveAll(s => s.Id == id) > 0 ? Results.NoContent() : Error(404, "Schedule not found");
        }
    }

    private static IResult Unlock(long id, BrivoStore store)
    {
        lock (store.Sync)
        {
            if (store.AccessPoints.All(a => a.Id != id))
            {
                return Error(404, "Access point not found");
            }

            store.Unlocks[id] = store.Unlocks.GetValueOrDefault(id) + 1;
            return Results.NoContent();
        }
    }
}
