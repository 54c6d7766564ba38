namespace Coworking.Sim.Control;

/// <summary>
/// What every simulated vendor's store has: one lock around it all (the sim's load is a test's), the account's rate
/// limit with its counts, and the faults its control API sets.
/// </summary>
internal abstract class VendorStore(int requestsPerSecond)
{
    public Lock Sync { get; } = new();

    /// <summary>The account's requests a second; the requests and the 429s counted.</summary>
    public RequestRate Rate { get; } = new(requestsPerSecond);

    public long Requests => Rate.Requests;

    public long RateLimited => Rate.RateLimited;

    /// <summary>Every API call answered 503 while true (the vendor or the internet away).</summary>
    public bool Down { get; set; }

    /// <summary>The next this many API calls are answered with <see cref="FailStatus"/>.</summary>
    public int FailNext { get; set; }

    public int FailStatus { get; set; } = 500;
}

/// <summary><c>PUT /&lt;vendor&gt;/control/faults</c>: what is not named stays as it was.</summary>
internal sealed record VendorFaultsRequest(bool? Down, int? FailNext, int? Status)
{
    public IResult ApplyTo(VendorStore store)
    {
        if (Status is { } status && status is < 500 or > 599)
        {
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["status"] = ["must be a 5xx status"] });
        }

        lock (store.Sync)
        {
            store.Down = Down ?? store.Down;
            store.FailNext = FailNext ?? store.FailNext;
            store.FailStatus = Status ?? store.FailStatus;
        }

        return Results.NoContent();
    }
}
