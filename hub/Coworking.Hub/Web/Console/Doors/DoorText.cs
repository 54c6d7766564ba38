using System.Globalization;
using Coworking.Hub.Doors;
using Coworking.Hub.EdgeSync;
using Coworking.Hub.Locations;
using Coworking.Hub.Resources;

namespace Coworking.Hub.Web.Console.Doors;

/// <summary>How the door pages word a door's state, policy and hours.</summary>
internal static class DoorText
{
    /// <summary>The door's state from its latest door-state event (null: the edges never reported one).</summary>
    public static string State(EdgeEventResponse? latest) => latest?.Kind switch
    {
        "door_closed" => "Closed",
        "door_opened" => "Open",
        "door_held_open" => "Held open",
        "door_forced_open" => "Forced open",
        _ => "Not reported yet",
    };

    /// <summary>A CSS class for the state, so an alarm stands out (the words say it as well).</summary>
    public static string StateClass(EdgeEventResponse? latest, bool lockdown) => lockdown
        ? "door-state alarm"
        : latest?.Kind is "door_held_open" or "door_forced_open" ? "door-state alarm" : "door-state";

    public static string Policy(DoorCredentialPolicy policy) => policy switch
    {
        DoorCredentialPolicy.Card => "Card",
        DoorCredentialPolicy.CardOrPin => "Card or PIN",
        DoorCredentialPolicy.CardAndPin => "Card and PIN",
        _ => "PIN",
    };

    public static string Alarm(string kind) => kind == "door_forced_open" ? "Forced open" : "Held open";

    public static string Resource(ResourceKind kind) => kind switch
    {
        ResourceKind.HotDesk => "Hot desk",
        ResourceKind.DedicatedDesk => "Dedicated desk",
        ResourceKind.MeetingRoom => "Meeting room",
        ResourceKind.PrivateOffice => "Private office",
        ResourceKind.EventSpace => "Event space",
        _ => "Phone booth",
    };

    /// <summary>Weekly hours in words ("Mon 08:00–20:00; Sat 10:00–14:00"), or <paramref name="none"/> when there are none.</summary>
    public static string Hours(StaffedHours? hours, string none)
    {
        if (hours is null)
        {
            return none;
        }

        var days = new (string Name, IReadOnlyList<OpenWindow>? Windows)[]
        {
            ("Mon", hours.Monday), ("Tue", hours.Tuesday), ("Wed", hours.Wednesday), ("Thu", hours.Thursday), ("Fri", hours.Friday),
            ("Sat", hours.Saturday), ("Sun", hours.Sunday),
        };
        var text = string.Join("; ", days
            .Where(d => d.Windows is { Count: > 0 })
            .Select(d => $"{d.Name} {string.Join(", ", d.Windows!.Select(w => $"{w.Open}–{w.Close}"))}"));
        return text.Length == 0 ? "Closed all week" : text;
    }

    /// <summary>An instant on the location's wall clock, e.g. "6 Dec 23:41".</summary>
    public static string At(DateTimeOffset at, string timeZone) =>
        ZoneTime.Local(at, ZoneTime.Zone(timeZone)).ToString("d MMM HH:mm", CultureInfo.InvariantCulture);
}
