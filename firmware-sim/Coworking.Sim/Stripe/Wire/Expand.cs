namespace Coworking.Sim.Stripe.Wire;

/// <summary>
/// The expand[] paths of a request ("latest_charge", "latest_charge.customer", "data.customer" for lists), handed down
/// as objects are rendered: each level checks that it can expand what is asked and passes the rest to the child.
/// </summary>
internal sealed class Expand
{
    public static readonly Expand None = new([]);

    private readonly IReadOnlyList<string> paths;

    public Expand(IReadOnlyList<string> paths)
    {
        this.paths = paths;
    }

    public bool Has(string field) => paths.Any(p => p == field || p.StartsWith(field + ".", StringComparison.Ordinal));

    public Expand For(string field) =>
        new(paths.Where(p => p.StartsWith(field + ".", StringComparison.Ordinal)).Select(p => p[(field.Length + 1)..]).ToList());

    /// <summary>Refuses a path whose first field is not one of <paramref name="expandable"/>, as Stripe does.</summary>
    public void Allow(params string[] expandable)
    {
        foreach (var path in paths)
        {
            if (!expandable.Any(field => path == field || path.StartsWith(field + ".", StringComparison.Ordinal)))
            {
                throw StripeApiException.InvalidRequest($"This property cannot be expanded ({path}).", "expand");
            }
        }
    }
}
