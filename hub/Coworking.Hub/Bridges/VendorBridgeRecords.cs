using Coworking.Proto.V1;

namespace Coworking.Hub.Bridges;

/// <summary>Who drives a door's lock: the location's edge (OSDP or GPIO), or a vendor's cloud through the edge's bridge.</summary>
public enum DoorControllerKind
{
    Edge,
    Kisi,
    SaltoKs,
    Brivo,
}

/// <summary>A vendor whose locks the edge bridges (ARCHITECTURE §12).</summary>
public enum VendorKind
{
    Kisi,
    SaltoKs,
    Brivo,
}

/// <summary>
/// PUT …/doors/{doorId}/controller: <c>edge</c>, or a vendor with its ids — Kisi: <c>kisiLockId</c>; Salto KS:
/// <c>saltoSiteId</c> and <c>saltoLockId</c>; Brivo: <c>brivoSiteId</c> and <c>brivoAccessPointId</c>.
/// </summary>
public sealed record DoorControllerRequest(
    DoorControllerKind? Controller,
    string? KisiLockId = null,
    string? SaltoSiteId = null,
    string? SaltoLockId = null,
    string? BrivoSiteId = null,
    string? BrivoAccessPointId = null);

/// <summary>The door's controller as the request gave it; the vendor's ids not used by its controller are null.</summary>
public sealed record DoorControllerResponse(
    Guid DoorId,
    DoorControllerKind Controller,
    string? KisiLockId,
    string? SaltoSiteId,
    string? SaltoLockId,
    string? BrivoSiteId,
    string? BrivoAccessPointId);

/// <summary>PUT …/vendor-accounts/{vendor}: the account's secrets by name (write-only) and, for a simulator, its API base.</summary>
public sealed record VendorAccountRequest(IReadOnlyDictionary<string, string>? Secrets, Uri? ApiBase = null);

/// <summary>A location's vendor account without its secrets: only which ones are set.</summary>
public sealed record VendorAccountResponse(VendorKind Vendor, Uri? ApiBase, IReadOnlyList<string> SecretNames, long Version, DateTimeOffset UpdatedAt, string UpdatedBy);

internal static class DoorControllers
{
    /// <summary>The secrets each vendor's bridge needs, by the names the edge reads them (docs/BRIDGES.md).</summary>
    public static IReadOnlyList<string> RequiredSecrets(VendorKind vendor) => vendor switch
    {
        VendorKind.Kisi => ["api_key", "webhook_secret"],
        VendorKind.SaltoKs => ["client_id", "client_secret", "otp_secret"],
        _ => ["client_id", "client_secret", "api_key", "username", "password"],
    };

    public static DoorController ToProto(string controller) => controller switch
    {
        "kisi" => DoorController.Kisi,
        "salto_ks" => DoorController.SaltoKs,
        "brivo" => DoorController.Brivo,
        _ => DoorController.Edge,
    };
}
