using System.Globalization;
using Coworking.Hub.Access;
using Coworking.Hub.Database;
using Coworking.Hub.Doors;
using Coworking.Hub.EdgeSync;
using Dapper;
using Microsoft.AspNetCore.Mvc;

namespace Coworking.Hub.Web.Console.Live;

/// <summary>
/// The console's live parts (docs/WEB.md "Live parts"): one Server-Sent Events stream per open page that says when
/// something new reached the hub for the operator's locations — <c>access</c> (an access decision), <c>door</c> (a door
/// or reader event), <c>alarms</c> (a door event, or an alarm acknowledged), <c>occupancy</c> (a sensor sample). The page's script (js/live.js) then fetches
/// the page again and swaps in the parts that changed, so what is shown is always rendered, and scoped, by the page itself.
/// Each stream reads the latest arrival times when <see cref="LiveSignals"/> wakes it (PostgreSQL NOTIFY from whichever
/// instance or writer inserted the rows, migrations 0140 and 0300), at the latest every <see cref="KeepAlive"/>, and once every
/// <see cref="Poll"/> while notifications are lost; any hub instance serves any stream.
/// </summary>
internal static class LiveEvents
{
    /// <summary>How often a stream reads while the notification connection is lost.</summary>
    public static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);

    /// <summary>Only events that happened this recently count as new (keeps the read on the tables' time indexes).</summary>
    private static readonly TimeSpan Recent = TimeSpan.FromDays(1);

    public static void MapLiveEvents(this IEndpointRouteBuilder web) =>
        web.MapGet("/console/live", StreamAsync).RequireAuthorization(WebSetup.ConsolePolicy).ExcludeFromDescription();

    /// <param name="since">Unix milliseconds the page was rendered at: what reached the hub after it is new.</param>
    private static async Task StreamAsync(
        HttpContext http, ConsoleContexts contexts, AccessEventStore access, EdgeEventStore edgeEvents, DoorAlarmStore alarms, TenantDataSource db, LiveSignals signals, TimeProvider time,
        IHostApplicationLifetime lifetime, [FromQuery] string? location, [FromQuery] long? since)
    {
        var context = await contexts.GetAsync(http.RequestAborted);
        Guid[] locations = [.. context.Locations.Select(l => l.Id)];
        if (location is { Length: > 0 })
        {
            if (!Guid.TryParse(location, out var one) || !locations.Contains(one))
            {
                http.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }

            locations = [one];
        }

        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-store";
        http.Response.Headers["X-Accel-Buffering"] = "no";
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, lifetime.ApplicationStopping);
        var token = stop.Token;
        var organisation = context.Caller.OrganisationId;
        var start = since is { } ms && ms > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(Math.Min(ms, time.GetUtcNow().ToUnixTimeMilliseconds())) : time.GetUtcNow();
        var (lastAccess, lastDoor, lastAck, lastSample) = (start, start, start, start);
        var quiet = TimeSpan.Zero;
        using var subscription = signals.Subscribe(locations);
        try
        {
            await http.Response.WriteAsync("retry: 3000\n\n", token);
            await http.Response.Body.FlushAsync(token);
            while (!token.IsCancellationRequested)
            {
                var recent = time.GetUtcNow() - Recent;
                var sent = false;
                if (await access.LatestReceivedAsync(organisation, locations, recent, token) is { } accessAt && accessAt > lastAccess)
                {
                    lastAccess = accessAt;
                    sent |= await SendAsync(http, "access", accessAt, token);
                }

                var doorAt = await edgeEvents.LatestReceivedAsync(organisation, locations, recent, token);
                var ackAt = await alarms.LatestAcknowledgedAsync(organisation, locations, token);
                var newDoor = doorAt is { } d && d > lastDoor;
                var newAck = ackAt is { } k && k > lastAck;
                if (newDoor)
                {
                    lastDoor = doorAt!.Value;
                    sent |= await SendAsync(http, "door", lastDoor, token);
                }

                if (newAck)
                {
                    lastAck = ackAt!.Value;
                }

                if (newDoor || newAck)
                {
                    sent |= await SendAsync(http, "alarms", newDoor ? lastDoor : lastAck, token);
                }

                if (await LatestSampleReceivedAsync(db, organisation, locations, recent, token) is { } sampleAt && sampleAt > lastSample)
                {
                    lastSample = sampleAt;
                    sent |= await SendAsync(http, "occupancy", sampleAt, token);
                }

                quiet = sent ? TimeSpan.Zero : quiet;
                if (quiet >= KeepAlive)
                {
                    await http.Response.WriteAsync(": keep-alive\n\n", token);
                    await http.Response.Body.FlushAsync(token);
                    quiet = TimeSpan.Zero;
                }

                // Woken by a NOTIFY for one of the stream's locations; polled only while notifications are lost.
                var wait = signals.IsListening ? KeepAlive : Poll;
                if (!await subscription.WaitAsync(wait, time, token))
                {
                    quiet += wait;
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // The page was closed or the hub is stopping: the browser reconnects to whichever instance answers.
        }
    }

    /// <summary>When the newest sensor sample of the locations that happened since <paramref name="recent"/> reached the hub.</summary>
    private static async Task<DateTimeOffset?> LatestSampleReceivedAsync(
        TenantDataSource db, Guid organisationId, Guid[] locationIds, DateTimeOffset recent, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        return await conn.ExecuteScalarAsync<DateTimeOffset?>(new CommandDefinition(
            "SELECT max(received_at) FROM sensor_samples WHERE organisation_id = @organisationId AND location_id = ANY(@locationIds) AND occurred_at > @recent",
            new { organisationId, locationIds, recent },
            cancellationToken: cancellationToken));
    }

    private static async Task<bool> SendAsync(HttpContext http, string name, DateTimeOffset at, CancellationToken token)
    {
        await http.Response.WriteAsync($"event: {name}\ndata: {at.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)}\n\n", token);
        await http.Response.Body.FlushAsync(token);
        return true;
    }
}
