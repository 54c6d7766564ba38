namespace Coworking.Sim.Stripe.Wire;

/// <summary>Stripe's documentation links for error codes, as its error objects carry them.</summary>
internal static class StripeErrors
{
    public static string DocUrl(string code) => $"https://stripe.com/docs/error-codes/{code.Replace('_', '-')}";
}
