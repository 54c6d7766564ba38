namespace Coworking.Sim.Salto;

/// <summary>
/// The "salto" section of the sim configuration: one Salto KS tenant whose token endpoint is /salto/connect/token, its API
/// under /salto/v1.2/sites/{siteId} (entries under /salto/v1.1) and the control API under /salto/control.
/// { "clientId": "…", "clientSecret": "…", "otpSecret": "…", "provisioningDelayMs": 1500,
///   "sites": [ { "id": "site-a", "locks": [ { "id": "lock-1", "name": "Front door" } ] } ] }.
/// </summary>
internal sealed record SaltoSimOptions
{
    public string ClientId { get; init; } = string.Empty;

    public string ClientSecret { get; init; } = string.Empty;

    /// <summary>The seed (base32) of the one-time codes a remote opening must carry (RFC 6238, 6 digits, 30 s).</summary>
    public string OtpSecret { get; init; } = string.Empty;

    /// <summary>How long a new user, access group or membership stays invisible: Salto KS is eventually consistent.</summary>
    public int ProvisioningDelayMs { get; init; } = 1500;

    public int TokenSeconds { get; init; } = 3600;

    public IReadOnlyList<SaltoSiteOptions> Sites { get; init; } = [];

    /// <summary>Requests a second the account takes (the API and the token endpoint together); more are answered 429 and counted.</summary>
    public int RequestsPerSecond { get; init; } = 10;

    /// <summary>Users of each site's other tenants, there before any bridge (external_id <c>tenant:n</c>): what a full list of users reads too.</summary>
    public int OtherUsers { get; init; }

    public IEnumerable<string> Validate()
    {
        if (RequestsPerSecond is < 1 or > 1000)
        {
            yield return "salto.requestsPerSecond must be 1-1000";
        }

        if (OtherUsers is < 0 or > 100_000)
        {
            yield return "salto.otherUsers must be 0-100000";
        }

        if (ClientId.Length < 4 || ClientSecret.Length < 4)
        {
            yield return "salto.clientId and salto.clientSecret must be at least 4 characters";
        }

        if (!Totp.IsBase32(OtpSecret))
        {
            yield return "salto.otpSecret must be base32 (A-Z, 2-7), at least 16 characters";
        }

        if (ProvisioningDelayMs is < 0 or > 120_000)
        {
            yield return "salto.provisioningDelayMs must be 0-120000";
        }

        if (Sites.Count == 0 || Sites.Select(s => s.Id).Distinct().Count() != Sites.Count || Sites.Any(s => s.Locks.Count == 0))
        {
            yield return "salto.sites need distinct ids and at least one lock each";
        }
    }
}

internal sealed record SaltoSiteOptions(string Id, IReadOnlyList<SaltoLockOptions> Locks);

internal sealed record SaltoLockOptions(string Id, string Name);
