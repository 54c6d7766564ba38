using System.Globalization;
using Coworking.Hub.Access;
using Coworking.Hub.Database;
using Coworking.Hub.EdgeSync;
using Coworking.Hub.Http;
using Coworking.Hub.Locations;
using Coworking.Hub.Members;
using Coworking.Hub.Web.Shared;
using Microsoft.Extensions.Primitives;

namespace Coworking.Hub.Web.Console.AccessLog;

/// <summary>What the access log shows: access decisions, or the doors' and readers' own events.</summary>
internal enum AccessLogShow
{
    Access,
    Door,
}

/// <summary>
/// The access log's filters as the query string carries them (<c>?show=door&amp;location=…&amp;door=…&amp;member=ada@…&amp;result=denied&amp;from=2026-12-01T08:00&amp;to=…&amp;after=…</c>),
/// read once for the page, its CSV and its live tail alike. Times are the wall clock of the chosen location (UTC for all
/// locations); a member is named by e-mail address or as much of the name as makes it one member.
/// </summary>
internal sealed record AccessLogQuery(
    AccessLogShow Show, LocationResponse? Location, Guid? DoorId, Guid? MemberId, AccessDecision? Decision, DateTimeOffset? From, DateTimeOffset? To,
    PageCursor? After, string? AfterText, TimeZoneInfo Zone, IReadOnlyDictionary<string, string> Echo, HttpValidationProblemDetails? Problem)
{
    /// <summary>The filters' refusal as the form shows it.</summary>
    public FieldErrors Errors => Problem is null ? FieldErrors.None : FieldErrors.From(Problem);

    public const string LocalFormat = "yyyy-MM-dd'T'HH:mm";

    /// <summary>The locations the query reads: the chosen one, or every one the operator sees.</summary>
    public Guid[] Locations(ConsoleContext context) => Location is { } one ? [one.Id] : [.. context.Locations.Select(l => l.Id)];

    public string Value(string name) => Echo.GetValueOrDefault(name, "");

    /// <summary>The query string of these filters (no paging), for the CSV link and the live tail.</summary>
    public string QueryString(params string[] without) =>
        string.Join('&', Echo.Where(e => e.Value.Length > 0 && !without.Contains(e.Key)).Select(e => $"{e.Key}={Uri.EscapeDataString(e.Value)}"));

    public AccessEventFilter AccessFilter => new(Location?.Id, DoorId, MemberId, From, To, Decision);

    public EdgeEventFilter DoorFilter => new(Location?.Id, [], DoorId, null, From, To);

    public static async Task<AccessLogQuery> ReadAsync(IQueryCollection query, ConsoleContext context, MemberStore members, CancellationToken cancellationToken)
    {
        var echo = new Dictionary<string, string>();
        var errors = new Dictionary<string, string[]>();
        string Text(string name)
        {
            var value = query.TryGetValue(name, out StringValues values) ? values.ToString().Trim() : "";
            value = value.Length > 200 ? value[..200] : value;
            echo[name] = value;
            return value;
        }

        var show = Text("show") == "door" ? AccessLogShow.Door : AccessLogShow.Access;
        echo["show"] = show == AccessLogShow.Door ? "door" : "";

        LocationResponse? location = context.Location;
        var locationText = Text("location");
        if (locationText.Length > 0)
        {
            location = Guid.TryParse(locationText, out var id) ? context.Locations.FirstOrDefault(l => l.Id == id) : null;
            if (location is null)
            {
                errors["location"] = ["must be one of your locations"];
            }
        }

        Guid? doorId = null;
        var doorText = Text("door");
        if (doorText.Length > 0)
        {
            doorId = Guid.TryParse(doorText, out var id) ? id : null;
            if (doorId is null)
            {
                errors["door"] = ["must be a door of your locations"];
            }
        }

        Guid? memberId = null;
        var memberText = Text("member");
        if (memberText.Length > 0 && show == AccessLogShow.Access)
        {
            var found = await members.SearchAsync(
                context.Caller.OrganisationId, context.Caller.Scope, new MemberQuery(memberText, null, MemberSort.Name, false, 0, 2), cancellationToken);
            var exact = found.FirstOrDefault(m => string.Equals(m.Email, memberText, StringComparison.OrdinalIgnoreCase));
            if (exact is not null || found.Count == 1)
            {
                memberId = (exact ?? found[0]).Id;
            }
            else
            {
                errors["member"] = [found.Count == 0 ? "matches no member: try the e-mail address" : "matches more than one member: type the e-mail address"];
            }
        }

        AccessDecision? decision = Text("result") switch
        {
            "granted" => AccessDecision.Granted,
            "denied" => AccessDecision.Denied,
            _ => null,
        };
        echo["result"] = decision is null || show == AccessLogShow.Door ? "" : decision.Value.ToDb();

        var zone = location is null ? TimeZoneInfo.Utc : ZoneTime.Zone(location.TimeZone);
        var from = Instant(Text("from"), "from", zone, errors);
        var to = Instant(Text("to"), "to", zone, errors);
        if (from is not null && to is not null && to <= from)
        {
            errors["to"] = ["must be after from"];
        }

        var afterText = Text("after");
        echo.Remove("after");
        if (!PageCursor.TryDecode(afterText, out var after))
        {
            errors["after"] = ["is not a page of this log"];
        }

        var problem = errors.Count == 0
            ? null
            : new HttpValidationProblemDetails(errors) { Title = "Some filters are not valid.", Status = StatusCodes.Status400BadRequest };
        return new AccessLogQuery(show, location, doorId, memberId, decision, from, to, after, afterText.Length > 0 ? afterText : null, zone, echo, problem);
    }

    private static DateTimeOffset? Instant(string text, string field, TimeZoneInfo zone, Dictionary<string, string[]> errors)
    {
        if (text.Length == 0)
        {
            return null;
        }

        if (!DateTime.TryParseExact(text, LocalFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
        {
            errors[field] = ["must be a date and time, e.g. 2026-12-01T08:00"];
            return null;
        }

        var offset = zone.GetUtcOffset(DateTime.SpecifyKind(local, DateTimeKind.Unspecified));
        return new DateTimeOffset(DateTime.SpecifyKind(local, DateTimeKind.Unspecified), offset).ToUniversalTime();
    }
}
