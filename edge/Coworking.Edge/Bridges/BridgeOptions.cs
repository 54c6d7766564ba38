namespace Coworking.Edge.Bridges;

/// <summary>The "Edge:Bridges" settings (docs/BRIDGES.md).</summary>
public sealed class BridgeOptions
{
    public const string Section = "Edge:Bridges";

    public KisiOptions Kisi { get; set; } = new();

    public BrivoOptions Brivo { get; set; } = new();

    public SaltoOptions Salto { get; set; } = new();
}

public sealed class KisiOptions
{
    /// <summary>Kisi's public API, used when the hub's account names no API base.</summary>
    public string DefaultApiBase { get; set; } = "https://api.kisi.io";

    /// <summary>Kisi allows 5 requests per second per API key; the bridge never sends more.</summary>
    public double RequestsPerSecond { get; set; } = 5;

    /// <summary>A full reconcile runs at least this often, so drift at Kisi (a grant deleted by hand) heals.</summary>
    public int ReconcileSeconds { get; set; } = 60;

    /// <summary>How far ahead grants with weekly windows are written to Kisi as dated assignments.</summary>
    public int HorizonDays { get; set; } = 7;

    /// <summary>One attempt's timeout; the resilience pipeline retries 5xx, timeouts and 429s.</summary>
    public int AttemptTimeoutSeconds { get; set; } = 10;
}

public sealed class BrivoOptions
{
    /// <summary>Brivo's Access API, used when the hub's account names no API base.</summary>
    public string DefaultApiBase { get; set; } = "https://api.brivo.com/v1/api";

    /// <summary>Brivo's OAuth token endpoint, used when the hub's account names no API base.</summary>
    public string DefaultTokenUrl { get; set; } = "https://auth.brivo.com/oauth/token";

    /// <summary>A token is renewed this long before it expires (Brivo's live 300 s), so no call leaves with one about to run out.</summary>
    public int RefreshBeforeSeconds { get; set; } = 60;

    /// <summary>A full reconcile runs at least this often, so drift at Brivo (a membership removed by hand) heals.</summary>
    public int ReconcileSeconds { get; set; } = 60;

    /// <summary>How often /events/access is read for new access events.</summary>
    public int EventPollSeconds { get; set; } = 5;

    /// <summary>How far ahead grants with weekly windows are written to Brivo as dated schedules.</summary>
    public int HorizonDays { get; set; } = 7;

    /// <summary>One attempt's timeout; the resilience pipeline retries 5xx, timeouts and 429s.</summary>
    public int AttemptTimeoutSeconds { get; set; } = 10;
}

public sealed class SaltoOptions
{
    /// <summary>Salto KS's API (the /v1.2/sites/… resources are under it), used when the hub's account names no API base.</summary>
    public string DefaultApiBase { get; set; } = "https://user.my-clay.com";

    /// <summary>Salto KS's token endpoint, used when the hub's account names no API base.</summary>
    public string DefaultTokenUrl { get; set; } = "https://identity.my-clay.com/connect/token";

    /// <summary>How long a call answered "not provisioned yet" (403 2203, 404 2202) is asked again: Salto KS is eventually consistent.</summary>
    public int ConsistencySeconds { get; set; } = 60;

    /// <summary>A full reconcile runs at least this often, so drift at Salto KS heals.</summary>
    public int ReconcileSeconds { get; set; } = 60;

    /// <summary>How often the entries are read for new access events.</summary>
    public int EventPollSeconds { get; set; } = 5;

    /// <summary>How far ahead grants with weekly windows are written to Salto KS as dated access groups.</summary>
    public int HorizonDays { get; set; } = 7;

    /// <summary>One attempt's timeout; the resilience pipeline retries 5xx, timeouts and 429s.</summary>
    public int AttemptTimeoutSeconds { get; set; } = 10;
}
