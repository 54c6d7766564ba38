using System.Globalization;
using Coworking.Hub.Auth;
using Coworking.Hub.Locations;
using Microsoft.AspNetCore.Mvc;

namespace Coworking.Hub.Web.Portal.Book;

/// <summary>
/// The portal's live availability (docs/WEB.md "Live parts"): a Server-Sent Events stream per open booking page that
/// sends <c>bookings</c> when a booking of the location was made, moved or cancelled by anyone, so the page's script
/// (js/live.js) fetches the page again and swaps in the new grid: who booked is never sent, only that something
/// changed. Woken by <see cref="BookingSignals"/>; while the notification connection is lost it says so every
/// <see cref="LostRefresh"/>, so a page stays at most that stale.
/// </summary>
internal static class AvailabilityEvents
{
    public static readonly TimeSpan LostRefresh = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);

    public static void MapAvailabilityEvents(this IEndpointRouteBuilder web) =>
        web.MapGet("/portal/live/availability", StreamAsync).RequireAuthorization(WebSetup.PortalPolicy).ExcludeFromDescription();

    private static async Task StreamAsync(
        HttpContext http, LocationStore locations, BookingSignals signals, TimeProvider time, IHostApplicationLifetime lifetime, [FromQuery] string? location)
    {
        var caller = http.Features.Get<Caller>()!;
        if (!Guid.TryParse(location, out var locationId) || await locations.GetAsync(caller.OrganisationId, locationId, http.RequestAborted) is null)
        {
            http.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        await StreamBookingsAsync(http, locationId, signals, time, lifetime);
    }

    /// <summary>The stream itself, for a location the caller was checked to see (the portal's pages and the room panels).</summary>
    internal static async Task StreamBookingsAsync(HttpContext http, Guid locationId, BookingSignals signals, TimeProvider time, IHostApplicationLifetime lifetime)
    {
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-store";
        http.Response.Headers["X-Accel-Buffering"] = "no";
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, lifetime.ApplicationStopping);
        var token = stop.Token;
        using var subscription = signals.Subscribe([locationId]);
        try
        {
            await http.Response.WriteAsync("retry: 3000\n\n", token);
            await http.Response.Body.FlushAsync(token);
            while (!token.IsCancellationRequested)
            {
                var listening = signals.IsListening;
                var woken = await subscription.WaitAsync(listening ? KeepAlive : LostRefresh, time, token);
                if (woken || !listening)
                {
                    var at = time.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
                    await http.Response.WriteAsync($"event: bookings\ndata: {at}\n\n", token);
                }
                else
                {
                    await http.Response.WriteAsync(": keep-alive\n\n", token);
                }

                await http.Response.Body.FlushAsync(token);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // The page was closed or the hub is stopping: the browser reconnects to whichever instance answers.
        }
    }
}
