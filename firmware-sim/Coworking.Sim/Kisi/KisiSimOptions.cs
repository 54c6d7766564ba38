namespace Coworking.Sim.Kisi;

/// <summary>
/// The "kisi" section of the sim configuration: one Kisi organisation answering Kisi's API under /kisi/api, its control
/// API under /kisi/control. { "apiKey": "…", "requestsPerSecond": 5, "locks": [ { "id": 101, "name": "Front door" } ],
/// "webhook": { "url": "…", "secret": "…" }, "duplicateEvery": 3 }.
/// </summary>
internal sealed record KisiSimOptions
{
    public string ApiKey { get; init; } = string.Empty;

    /// <summary>Kisi's limit per API key; the next request inside any one second is answered 429 and counted.</summary>
    public int RequestsPerSecond { get; init; } = 5;

    public IReadOnlyList<KisiLockOptions> Locks { get; init; } = [];

    /// <summary>Where events go, signed with the secret; null until the control API names one.</summary>
    public KisiWebhookOptions? Webhook { get; init; }

    /// <summary>Every n-th event is delivered twice, as Kisi sometimes does; 0 never.</summary>
    public int DuplicateEvery { get; init; } = 3;

    public IEnumerable<string> Validate()
    {
        if (ApiKey.Length < 8 || ApiKey.Any(char.IsWhiteSpace))
        {
            yield return "kisi.apiKey must be at least 8 characters without spaces";
        }

        if (RequestsPerSecond is < 1 or > 1000)
        {
            yield return "kisi.requestsPerSecond must be 1-1000";
        }

        if (Locks.Select(l => l.Id).Distinct().Count() != Locks.Count || Locks.Any(l => l.Id <= 0))
        {
            yield return "kisi.locks need distinct positive ids";
        }

        if (DuplicateEvery < 0)
        {
            yield return "kisi.duplicateEvery must be 0 or more";
        }
    }
}

internal sealed record KisiLockOptions(long Id, string Name);

internal sealed record KisiWebhookOptions(string Url, string Secret);
