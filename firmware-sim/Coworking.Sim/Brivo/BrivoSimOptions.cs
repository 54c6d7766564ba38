namespace Coworking.Sim.Brivo;

/// <summary>
/// The "brivo" section of the sim configuration: one Brivo account whose OAuth token endpoint is /brivo/oauth/token, its
/// Access API under /brivo/v1/api and the control API under /brivo/control.
/// { "clientId": "…", "clientSecret": "…", "apiKey": "…", "username": "…", "password": "…", "tokenSeconds": 300,
///   "accessPoints": [ { "id": 901, "siteId": 77, "name": "Front door" } ], "otherUsers": 0 }.
/// </summary>
internal sealed record BrivoSimOptions
{
    public string ClientId { get; init; } = string.Empty;

    public string ClientSecret { get; init; } = string.Empty;

    /// <summary>The application's API key, sent in the <c>api-key</c> header of every call.</summary>
    public string ApiKey { get; init; } = string.Empty;

    /// <summary>The administrator the password grant logs in as.</summary>
    public string Username { get; init; } = string.Empty;

    public string Password { get; init; } = string.Empty;

    /// <summary>How long an access token lives: Brivo's are 300 seconds.</summary>
    public int TokenSeconds { get; init; } = 300;

    public IReadOnlyList<BrivoAccessPointOptions> AccessPoints { get; init; } = [];

    /// <summary>Requests a second the account takes (the API and the token endpoint together); more are answered 429 and counted.</summary>
    public int RequestsPerSecond { get; init; } = 10;

    /// <summary>Users of the account's other tenants, there before any bridge (externalId <c>tenant:n</c>): what a full list of users reads too.</summary>
    public int OtherUsers { get; init; }

    public IEnumerable<string> Validate()
    {
        if (RequestsPerSecond is < 1 or > 1000)
        {
            yield return "brivo.requestsPerSecond must be 1-1000";
        }

        if (OtherUsers is < 0 or > 100_000)
        {
            yield return "brivo.otherUsers must be 0-100000";
        }

        foreach (var (name, value) in new[] { ("clientId", ClientId), ("clientSecret", ClientSecret), ("apiKey", ApiKey), ("username", Username), ("password", Password) })
        {
            if (value.Length < 4 || value.Any(char.IsWhiteSpace))
            {
                yield return $"brivo.{name} must be at least 4 characters without spaces";
            }
        }

        if (TokenSeconds is < 1 or > 86_400)
        {
            yield return "brivo.tokenSeconds must be 1-86400";
        }

        if (AccessPoints.Select(a => a.Id).Distinct().Count() != AccessPoints.Count || AccessPoints.Any(a => a.Id <= 0))
        {
            yield return "brivo.accessPoints need distinct positive ids";
        }
    }
}

internal sealed record BrivoAccessPointOptions(long Id, long SiteId, string Name);
