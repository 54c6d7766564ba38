using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Coworking.Edge.Decisions;
using Coworking.Edge.Outbox;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Logging;

namespace Coworking.Edge.Bridges.Kisi;

/// <summary>
/// Kisi's webhooks at <c>POST /bridges/kisi/webhook</c> (docs/BRIDGES.md): the body is checked against <c>X-Signature</c>
/// (hex HMAC-SHA256 with the account's webhook secret) before it is read; each unlock at a Kisi door of this location
/// becomes an access event in the outbox, once per Kisi event id however often Kisi sends it.
/// </summary>
public sealed class KisiWebhook(KisiBridge bridge, VendorAccountStore accounts, Coworking.Edge.Cache.GrantCache cache, ILogger<KisiWebhook> log)
{
    public const string Path = "/bridges/kisi/webhook";
    private const int MaxBody = 64 * 1024;

    public static void Map(IEndpointRouteBuilder app) =>
        app.MapPost(Path, (HttpRequest request, KisiWebhook webhook, CancellationToken cancellationToken) => webhook.ReceiveAsync(request, cancellationToken));

    internal async Task<Results<Ok, UnauthorizedHttpResult, BadRequest<string>>> ReceiveAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var secret = accounts.Get(KisiBridge.VendorName)?.Secret("webhook_secret") ?? "";
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken);
        var body = buffer.ToArray();
        if (secret.Length == 0 || body.Length > MaxBody || !SignatureMatches(secret, body, request.Headers["X-Signature"].ToString()))
        {
            log.LogWarning("Refused a Kisi webhook with a missing or wrong signature");
            return TypedResults.Unauthorized();
        }

        KisiEvent? kisiEvent;
        try
        {
            kisiEvent = JsonSerializer.Deserialize<KisiEvent>(body, VendorJson.SnakeCase);
        }
        catch (JsonException)
        {
            return TypedResults.BadRequest("not a Kisi event");
        }

        if (kisiEvent is null)
        {
            return TypedResults.BadRequest("not a Kisi event");
        }

        await RecordAsync(kisiEvent, cancellationToken);
        return TypedResults.Ok();
    }

    internal async Task RecordAsync(KisiEvent kisiEvent, CancellationToken cancellationToken)
    {
        var doorId = kisiEvent.ObjectType == "Lock" && kisiEvent.ObjectId is { } lockId
            ? KisiDesiredState.KisiDoors(cache.Index).FirstOrDefault(d => d.Value == lockId).Key
            : null;
        if (kisiEvent.Action != "unlock" || doorId is null)
        {
            return;
        }

        var holder = kisiEvent.ActorType == "User" && kisiEvent.ActorId is { } userId ? bridge.HolderOf(userId) : null;
        var recorded = await bridge.RecordAccessOnceAsync(
            kisiEvent.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
            new EdgeEvent(EdgeEventKind.AccessDecision, kisiEvent.CreatedAt.ToUniversalTime(), doorId)
            {
                ReaderId = $"kisi:{kisiEvent.ObjectId}",
                Reason = kisiEvent.Success ? DecisionReason.Granted : DecisionReason.NoGrantForDoor,
                HolderId = holder,
                Presented = "kisi",
            },
            cancellationToken);
        if (recorded)
        {
            log.LogInformation("Kisi event {KisiEventId}: unlock at door {DoorId} {Outcome}", kisiEvent.Id, doorId, kisiEvent.Success ? "granted" : "denied");
        }
        else
        {
            log.LogDebug("Kisi event {KisiEventId} was recorded already", kisiEvent.Id);
        }
    }

    internal static bool SignatureMatches(string secret, byte[] body, string signature)
    {
        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body);
        try
        {
            return signature.Length == expected.Length * 2 && CryptographicOperations.FixedTimeEquals(expected, Convert.FromHexString(signature));
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
