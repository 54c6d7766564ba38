using Coworking.Sim.Control;

namespace Coworking.Sim.Salto;

/// <summary>
/// The test's and demo's handle on the simulated Salto KS, under /salto/control (no token): <c>POST /locks/{id}/tap
/// {userId}</c> presents the user's key at the lock (an entry, opened or refused); <c>PUT /faults {down, failNext, status}</c>;
/// <c>GET /state</c> (everything held, with what is not yet provisioned, and the counters); <c>DELETE
/// /access_groups/{id}/users/{userId}</c> (an administrator removing a member behind the bridge's back).
/// </summary>
internal static class SaltoControlApi
{
    public const string BasePath = "/salto/control";

    public static void MapSaltoControlApi(this IEndpointRouteBuilder app)
    {
        var control = app.MapGroup(BasePath);
        control.MapGet("/state", (SaltoStore s) =>
        {
            lock (s.Sync)
            {
                return Results.Json(
                    new { s.Users, s.AccessGroups, s.GroupLocks, s.GroupUsers, s.Locks, s.Entries, s.Openings, s.Requests, s.RateLimited, s.UnfilteredUserLists, s.NotYetProvisioned, s.Down },
                    SaltoApi.Json);
            }
        });
        control.MapPut("/faults", (VendorFaultsRequest request, SaltoStore s) => request.ApplyTo(s));
        control.MapPost("/locks/{id}/tap", (string id, TapRequest request, SaltoStore s, TimeProvider time) =>
        {
            if (string.IsNullOrEmpty(request.UserId))
            {
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["userId"] = ["is required: the Salto KS user whose key is presented"] });
            }

            lock (s.Sync)
            {
                if (s.Locks.FirstOrDefault(l => l.Id == id) is not { } saltoLock)
                {
                    return Results.NotFound();
                }

                var now = time.GetUtcNow();
                var entry = new SaltoEntry(Guid.NewGuid().ToString(), saltoLock.SiteId, id, request.UserId, now, s.MayOpen(request.UserId, id, now));
                s.Entries.Add(entry);
                return Results.Json(new { entryId = entry.Id, entry.Success });
            }
        });
        control.MapDelete("/access_groups/{id}/users/{userId}", (string id, string userId, SaltoStore s) =>
        {
            lock (s.Sync)
            {
                return s.GroupUsers.RemoveAll(l => l.AccessGroupId == id && l.ItemId == userId) > 0 ? Results.NoContent() : Results.NotFound();
            }
        });
    }

    internal sealed record TapRequest(string? UserId);
}
