using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Coworking.Sim.Control;

namespace Coworking.Sim.Kisi;

/// <summary>
/// The test's and demo's handle on the simulated Kisi, under /kisi/control (no Kisi key, no rate limit):
/// <c>POST /locks/{id}/tap {userId}</c> taps the user's Kisi credential at a lock and sends the signed event to the webhook
/// (every <c>duplicateEvery</c>-th one twice, or when <c>duplicate</c> is set); <c>PUT /faults {down, failNext, status}</c>;
/// <c>PUT /webhook {url, secret}</c>; <c>GET /state</c> (everything held, unlocks per lock, requests and 429s counted);
/// <c>DELETE /role_assignments/{id}</c> (an administrator deleting a grant behind the bridge's back).
/// </summary>
internal static class KisiControlApi
{
    public const string BasePath = "/kisi/control";

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    public static void MapKisiControlApi(this IEndpointRouteBuilder app)
    {
        var control = app.MapGroup(BasePath);
        control.MapGet("/state", State);
        control.MapPut("/faults", (VendorFaultsRequest request, KisiStore s) => request.ApplyTo(s));
        control.MapPut("/webhook", SetWebhook);
        control.MapPost("/locks/{id:long}/tap", TapAsync);
        control.MapDelete("/role_assignments/{id:long}", (long id, KisiStore s) =>
        {
            lock (s.Sync)
            {
                return s.RoleAssignments.RemoveAll(r => r.Id == id) > 0 ? Results.NoContent() : Results.NotFound();
            }
        });
    }

    internal sealed record WebhookRequest(string? Url, string? Secret);

    internal sealed record TapRequest(long? UserId, bool? Duplicate);

    private static IResult State(KisiStore store)
    {
        lock (store.Sync)
        {
            return Results.Json(
                new
                {
                    store.Users, store.Groups, store.GroupLocks, store.RoleAssignments, store.Locks,
                    Unlocks = store.Unlocks.ToDictionary(p => p.Key.ToString(System.Globalization.CultureInfo.InvariantCulture), p => p.Value),
                    store.Events, store.Requests, store.RateLimited, store.Down,
                },
                KisiApi.Json);
        }
    }

    private static IResult SetWebhook(WebhookRequest request, KisiStore store)
    {
        if (!Uri.TryCreate(request.Url, UriKind.Absolute, out _) || string.IsNullOrEmpty(request.Secret))
        {
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["url"] = ["url (absolute) and secret are required"] });
        }

        store.Webhook = new KisiWebhookOptions(request.Url!, request.Secret!);
        return Results.NoContent();
    }

    private static async Task<IResult> TapAsync(long id, TapRequest request, KisiStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        if (request.UserId is not { } userId)
        {
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["userId"] = ["is required: the Kisi user whose credential is tapped"] });
        }

        SimEvent kisiEvent;
        int count;
        lock (store.Sync)
        {
            if (store.Locks.All(l => l.Id != id))
            {
                return Results.NotFound();
            }

            var now = time.GetUtcNow();
            kisiEvent = new SimEvent(store.NextId(), "unlock", "User", userId, "Lock", id, store.MayOpen(userId, id, now), now);
            store.Events.Add(kisiEvent);
            count = store.Events.Count;
            if (kisiEvent.Success)
            {
                store.Unlocks[id] = store.Unlocks.GetValueOrDefault(id) + 1;
            }
        }

        var deliveries = request.Duplicate == true || (store.Options.DuplicateEvery > 0 && count % store.Options.DuplicateEvery == 0) ? 2 : 1;
        var delivered = 0;
        if (store.Webhook is { } webhook)
        {
            var body = JsonSerializer.SerializeToUtf8Bytes(kisiEvent, KisiApi.Json);
            var signature = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(webhook.Secret), body));
            for (var i = 0; i < deliveries; i++)
            {
                using var message = new HttpRequestMessage(HttpMethod.Post, webhook.Url) { Content = new ByteArrayContent(body) };
                message.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
                message.Headers.Add("X-Signature", signature);
                using var response = await Http.SendAsync(message, cancellationToken);
                delivered += response.IsSuccessStatusCode ? 1 : 0;
            }
        }

        return Results.Json(new { eventId = kisiEvent.Id, kisiEvent.Success, deliveries, delivered });
    }
}
