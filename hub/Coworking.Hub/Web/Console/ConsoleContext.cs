using Coworking.Hub.Auth;
using Coworking.Hub.Locations;

namespace Coworking.Hub.Web.Console;

/// <summary>
/// Who is using the console and where: the caller, the locations it may see (a manager only theirs, read with the
/// caller's scope in SQL) and the one chosen in the location switcher, or null for all of them.
/// </summary>
public sealed record ConsoleContext(Caller Caller, IReadOnlyList<LocationResponse> Locations, LocationResponse? Location)
{
    /// <summary>The locations a page lists for: the chosen one, or every one the caller may see.</summary>
    public Guid[]? Scope => Location is { } chosen ? [chosen.Id] : Caller.Scope;
}

/// <summary>Works out the <see cref="ConsoleContext"/> once per request, for the layout and the page alike.</summary>
internal sealed class ConsoleContexts(IHttpContextAccessor http, LocationStore locations)
{
    /// <summary>The cookie that remembers the location switcher's choice (an id; the scope is checked on every read).</summary>
    public const string LocationCookie = "console-location";

    private Task<ConsoleContext>? current;

    /// <summary>The layout and the page both ask; the first asking reads it, the other waits for the same answer.</summary>
    public Task<ConsoleContext> GetAsync(CancellationToken cancellationToken) => current ??= ReadAsync(cancellationToken);

    private async Task<ConsoleContext> ReadAsync(CancellationToken cancellationToken)
    {
        var context = http.HttpContext ?? throw new InvalidOperationException("the console renders only within a request");
        var caller = context.Features.Get<Caller>() ?? throw new InvalidOperationException("console pages require a signed-in operator");
        var visible = await locations.ListAsync(caller.OrganisationId, caller.Scope, cancellationToken);
        var chosen = Guid.TryParse(context.Request.Cookies[LocationCookie], out var id) ? visible.FirstOrDefault(l => l.Id == id) : null;
        // A manager of one location has nothing to switch between: that location is the console's.
        return new ConsoleContext(caller, visible, chosen ?? (caller.IsOrgAdmin || visible.Count != 1 ? null : visible[0]));
    }
}
