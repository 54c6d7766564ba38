using System.Security.Cryptography;

namespace Coworking.Sim.Stripe.Wire;

/// <summary>Object ids as Stripe makes them: a type prefix, an underscore and random letters and digits.</summary>
internal static class Ids
{
    private const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    public static string New(string prefix, int length = 24) => $"{prefix}_{Random(length)}";

    public static string Random(int length) => RandomNumberGenerator.GetString(Alphabet, length);

    /// <summary>A client secret as PaymentIntents and SetupIntents carry it: the id, "_secret_", random.</summary>
    public static string ClientSecret(string id) => $"{id}_secret_{Random(25)}";
}
