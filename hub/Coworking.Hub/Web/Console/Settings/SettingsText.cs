using Coworking.Hub.Auth;
using Coworking.Hub.Locations;

namespace Coworking.Hub.Web.Console.Settings;

/// <summary>How the settings pages word roles and location scopes, and read the location checkboxes of a form.</summary>
internal static class SettingsText
{
    public static readonly Role[] StaffRoles = [Role.OrgAdmin, Role.LocationManager, Role.FrontDesk];

    public const string InvitationCapTitle = "No more invitations today";

    public static string InvitationCapDetail { get; } =
        $"This organisation has sent {EmailedLinks.InvitationsPerDay} operator invitations in the last 24 hours, the most a day allows. Try again tomorrow.";

    public static string RoleName(Role role) => role switch
    {
        Auth.Role.OrgAdmin => "Organisation admin",
        Auth.Role.LocationManager => "Location manager",
        Auth.Role.FrontDesk => "Front desk",
        _ => "Member",
    };

    public static string Scope(Role role, IReadOnlyList<Guid> locationIds, IReadOnlyList<LocationResponse> locations) =>
        role == Auth.Role.OrgAdmin
            ? "Every location"
            : string.Join(", ", locationIds.Select(id => locations.FirstOrDefault(l => l.Id == id)?.Name ?? "a removed location"));

    /// <summary>The role a form names by its API name (org_admin, location_manager, front_desk), or null.</summary>
    public static Role? ParseRole(string? text) =>
        Database.DbText.TryParse<Role>(text, out var role) && StaffRoles.Contains(role) ? role : null;

    /// <summary>The location ids ticked on a form, ignoring anything that is not an id.</summary>
    public static Guid[] Ids(IEnumerable<string>? texts) =>
        [.. (texts ?? []).Select(t => Guid.TryParse(t, out var id) ? id : Guid.Empty).Where(id => id != Guid.Empty).Distinct()];
}
