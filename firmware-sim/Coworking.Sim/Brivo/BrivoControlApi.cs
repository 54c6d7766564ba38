using Coworking.Sim.Control;

namespace Coworking.Sim.Brivo;

/// <summary>
/// The test's and demo's handle on the simulated Brivo, under /brivo/control (no token, no key):
/// <c>POST /access-points/{id}/tap {userId}</c> presents the user's credential at the access point: Brivo decides and lists
/// the access event at /events/access; <c>PUT /faults {down, failNext, status}</c>; <c>POST /tokens/expire</c> (every token
/// issued so far expires now, as if 300 s had passed); <c>GET /state</c> (everything held and the counters);
/// <c>DELETE /groups/{id}/users/{userId}</c> (an administrator removing a member behind the bridge's back).
/// </summary>
internal static class BrivoControlApi
{
    public const string BasePath = "/brivo/control";

    /// <summary>Brivo's security actions for an access point: a valid credential let through, or refused for no permission.</summary>
    public const int AccessGranted = 2004;
    public const int AccessDenied = 5002;

    public static void MapBrivoControlApi(this IEndpointRouteBuilder app)
    {
        var control = app.MapGroup(BasePath);
        control.MapGet("/state", State);
        control.MapPut("/faults", (VendorFaultsRequest request, BrivoStore s) => request.ApplyTo(s));
        control.MapPost("/tokens/expire", (BrivoStore s, TimeProvider time) =>
        {
            lock (s.Sync)
            {
                var now = time.GetUtcNow();
                for (var i = 0; i < s.Tokens.Count; i++)
                {
                    s.Tokens[i] = s.Tokens[i] with { Expires = now };
                }
            }

            return Results.NoContent();
        });
        control.MapPost("/access-points/{id:long}/tap", Tap);
        control.MapDelete("/groups/{id:long}/users/{userId:long}", (long id, long userId, BrivoStore s) =>
        {
            lock (s.Sync)
            {
                return s.Members.TryGetValue(id, out var members) && members.Remove(userId) ? Results.NoContent() : Results.NotFound();
            }
        });
    }

    internal sealed record TapRequest(long? UserId);

    private static IResult State(BrivoStore store)
    {
        lock (store.Sync)
        {
            return Results.Json(
                new
                {
                    store.Users, store.Groups,
                    Members = store.Members.ToDictionary(p => p.Key.ToString(System.Globalization.CultureInfo.InvariantCulture), p => p.Value.Order().ToList()),
                    store.Schedules, store.Credentials, store.Permissions, store.AccessPoints, store.Events,
                    Unlocks = store.Unlocks.ToDictionary(p => p.Key.ToString(System.Globalization.CultureInfo.InvariantCulture), p => p.Value),
                    store.Requests, store.RateLimited, store.UnfilteredUserLists, store.TokensIssued, store.InvalidTokens, store.Down,
                },
                BrivoApi.Json);
        }
    }

    private static IResult Tap(long id, TapRequest request, BrivoStore store, TimeProvider time)
    {
        if (request.UserId is not { } userId)
        {
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["userId"] = ["is required: the Brivo user whose credential is presented"] });
        }

        lock (store.Sync)
        {
            if (store.AccessPoints.FirstOrDefault(a => a.Id == id) is not { } accessPoint)
            {
                return Results.NotFound();
            }

            var now = time.GetUtcNow();
            var allowed = store.MayOpen(userId, id, now);
            var user = store.Users.FirstOrDefault(u => u.Id == userId);
            var credential = store.Credentials.FirstOrDefault(c => c.UserId == userId);
            var accessEvent = new BrivoAccessEvent(
                Guid.NewGuid().ToString(), now, accessPoint.SiteId, user is null ? null : new BrivoActor(user.Id, $"{user.FirstName} {user.LastName}"),
                new BrivoEventObject(id, accessPoint.Name, "Access Point"),
                allowed ? new BrivoSecurityAction(AccessGranted, "Access Granted") : new BrivoSecurityAction(AccessDenied, "Failed Access: No Permission"),
                new BrivoEventData(allowed, credential?.Id));
            store.Events.Add(accessEvent);
            if (allowed)
            {
                store.Unlocks[id] = store.Unlocks.GetValueOrDefault(id) + 1;
            }

            return Results.Json(new { accessEvent.Uuid, allowed }, BrivoApi.Json);
        }
    }
}
