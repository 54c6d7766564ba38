namespace Coworking.Edge.Bridges;

/// <summary>The "Edge:Bridges" settings (docs/BRIDGES.md).</summary>
public sealed class BridgeOptions
{
    public const string Section = "Edge:Bridges";

    public KisiOptions Kisi { get; set; } = new();

    public BrivoOptions Brivo { get; set; } = new();

    public SaltoOptions Salto { get; set; } = new();
}

/// <summary>What every bridge's loop takes: its timer, its horizon, its rate limit and its HTTP attempts.</summary>
public abstract class VendorOptions
{
    /// <summary>The vendor's limit per account; the bridge never sends more (<see cref="VendorRateGate"/>).</summary>
    public double RequestsPerSecond { get; set; } = 5;

    /// <summary>
    /// A full reconcile (everything read from the vendor again) runs at least this often, so drift at the vendor (a grant
    /// deleted by hand) heals; between them a nudged reconcile works from what the bridge last read and wrote.
    /// </summary>
    public int ReconcileSeconds { get; set; } = 60;

    /// <summary>How far ahead grants with weekly windows are written to the vendor as dated ones.</summary>
    public int HorizonDays { get; set; } = 7;

    /// <summary>How often the vendor's access events are read (vendors that are polled: Brivo, Salto KS).</summary>
    public int EventPollSeconds { get; set; } = 5;

    /// <summary>One attempt's timeout; the resilience pipeline retries 5xx, timeouts and 429s.</summary>
    public int AttemptTimeoutSeconds { get; set; } = 10;
}

public sealed class KisiOptions : VendorOptions
{
    /// <summary>Kisi's public API, used when the hub's account names no API base.</summary>
    public string DefaultApiBase { get; set; } = "https://api.kisi.io";
}

public sealed class BrivoOptions : VendorOptions
{
    public BrivoOptions() => RequestsPerSecond = 10;

    /// <summary>Brivo's Access API, used when the hub's account names no API base.</summary>
    public string DefaultApiBase { get; set; } = "https://api.brivo.com/v1/api";

    /// <summary>Brivo's OAuth token endpoint, used when the hub's account names no API base.</summary>
    public string DefaultTokenUrl { get; set; } = "https://auth.brivo.com/oauth/token";

    /// <summary>A token is renewed this long before it expires (Brivo's live 300 s), so no call leaves with one about to run out.</summary>
    public int RefreshBeforeSeconds { get; set; } = 60;
}

public sealed class SaltoOptions : VendorOptions
{
    public SaltoOptions() => RequestsPerSecond = 10;

    /// <summary>
    /// Which Salto KS cloud the account lives in when the hub's account names no API base: <c>production</c> or
    /// <c>accept</c> (Salto's acceptance environment, for an integration under test). <see cref="ApiBase"/> and
    /// <see cref="IdentityUrl"/> override either.
    /// </summary>
    public string Environment { get; set; } = "production";

    /// <summary>The Connect API (the /v1.2/sites/… resources are under it); empty: the environment's.</summary>
    public string ApiBase { get; set; } = "";

    /// <summary>The identity server (its token endpoint is <c>/connect/token</c>); empty: the environment's.</summary>
    public string IdentityUrl { get; set; } = "";

    /// <summary>How long a call answered "not provisioned yet" (403 2203, 404 2202) is asked again: Salto KS is eventually consistent.</summary>
    public int ConsistencySeconds { get; set; } = 60;

    /// <summary>The Connect API and the identity server the bridge talks to when the account names no API base.</summary>
    public (Uri ApiBase, Uri IdentityUrl) Endpoints()
    {
        var (api, identity) = Environment.Trim().ToLowerInvariant() switch
        {
            "accept" or "acceptance" => ("https://clp-accept-user.my-clay.com", "https://identity-acc.eu.my-clay.com"),
            "production" or "" => ("https://user.my-clay.com", "https://identity.eu.my-clay.com"),
            _ => throw new InvalidOperationException($"Edge:Bridges:Salto:Environment is '{Environment}'; use production or accept"),
        };
        return (new Uri(ApiBase.Length > 0 ? ApiBase : api), new Uri(IdentityUrl.Length > 0 ? IdentityUrl : identity));
    }
}
