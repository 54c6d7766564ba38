using System.Security.Cryptography;
using System.Text;

namespace Coworking.Sim.Stripe.Objects;

/// <summary>What a test card does when it is saved (SetupIntent, attach) and when it is charged.</summary>
internal enum CardRule
{
    /// <summary>Saves and charges fine.</summary>
    Succeeds,

    /// <summary>Refused when saved and when charged, with its decline.</summary>
    Declines,

    /// <summary>Saves fine; every charge is declined (4000000000000341).</summary>
    DeclinesCharges,

    /// <summary>Every payment needs 3-D Secure: off-session ones are declined with authentication_required.</summary>
    AuthenticationAlways,

    /// <summary>Needs 3-D Secure unless it was set up for off-session use (a SetupIntent or Checkout in setup mode).</summary>
    AuthenticationUnlessSetUp,
}

/// <summary>A decline as Stripe reports it: the error code, the issuer's decline code and the customer-facing message.</summary>
internal sealed record CardDecline(string Code, string? DeclineCode, string Message)
{
    public static readonly CardDecline Generic = new("card_declined", "generic_decline", "Your card was declined.");
    public static readonly CardDecline InsufficientFunds = new("card_declined", "insufficient_funds", "Your card has insufficient funds.");
    public static readonly CardDecline LostCard = new("card_declined", "lost_card", "Your card was declined.");
    public static readonly CardDecline StolenCard = new("card_declined", "stolen_card", "Your card was declined.");
    public static readonly CardDecline ExpiredCard = new("expired_card", "expired_card", "Your card has expired.");
    public static readonly CardDecline IncorrectCvc = new("incorrect_cvc", "incorrect_cvc", "Your card's security code is incorrect.");
    public static readonly CardDecline ProcessingError = new("processing_error", "processing_error", "An error occurred while processing your card. Try again in a little bit.");
    public static readonly CardDecline AuthenticationRequired = new("authentication_required", "authentication_required", "Your card was declined. This transaction requires authentication.");
    public static readonly CardDecline LiveCardInTestMode = new("card_declined", "test_mode_live_card", "Your card was declined. Your request was in test mode, but used a non test (live) card. For a list of valid test cards, visit: https://stripe.com/docs/testing.");
    public static readonly CardDecline IncorrectNumber = new("incorrect_number", null, "Your card number is incorrect.");
    public static readonly CardDecline AuthenticationFailed = new("payment_intent_authentication_failure", null, "The provided PaymentMethod has failed authentication. You can provide payment_method_data or a new PaymentMethod to attempt to fulfill this PaymentIntent again.");
}

/// <summary>One of Stripe's documented test cards, with the test PaymentMethod token that stands for it (pm_card_…).</summary>
internal sealed record TestCard(string Number, string Token, string Brand, string Funding, string Country, CardRule Rule, CardDecline? Decline)
{
    public string Last4 => Number[^4..];

    /// <summary>Equal for the same number, as Stripe's card fingerprint is within an account; never the number itself.</summary>
    public string Fingerprint => Convert.ToBase64String(SHA256.HashData(Encoding.ASCII.GetBytes("sim-card:" + Number)))
        .Replace("+", string.Empty, StringComparison.Ordinal).Replace("/", string.Empty, StringComparison.Ordinal)[..16];
}

/// <summary>The test cards of Stripe's testing documentation that the sim knows, by number and by pm_card_ token.</summary>
internal static class TestCards
{
    public static readonly IReadOnlyList<TestCard> All =
    [
        new("4242424242424242", "pm_card_visa", "visa", "credit", "US", CardRule.Succeeds, null),
        new("4000056655665556", "pm_card_visa_debit", "visa", "debit", "US", CardRule.Succeeds, null),
        new("5555555555554444", "pm_card_mastercard", "mastercard", "credit", "US", CardRule.Succeeds, null),
        new("2223003122003222", "pm_card_mastercard_2series", "mastercard", "credit", "US", CardRule.Succeeds, null),
        new("378282246310005", "pm_card_amex", "amex", "credit", "US", CardRule.Succeeds, null),
        new("4000000000000077", "pm_card_bypassPending", "visa", "credit", "US", CardRule.Succeeds, null),
        new("4000000000000002", "pm_card_visa_chargeDeclined", "visa", "credit", "US", CardRule.Declines, CardDecline.Generic),
        new("4000000000009995", "pm_card_visa_chargeDeclinedInsufficientFunds", "visa", "credit", "US", CardRule.Declines, CardDecline.InsufficientFunds),
        new("4000000000009987", "pm_card_visa_chargeDeclinedLostCard", "visa", "credit", "US", CardRule.Declines, CardDecline.LostCard),
        new("4000000000009979", "pm_card_visa_chargeDeclinedStolenCard", "visa", "credit", "US", CardRule.Declines, CardDecline.StolenCard),
        new("4000000000000069", "pm_card_chargeDeclinedExpiredCard", "visa", "credit", "US", CardRule.Declines, CardDecline.ExpiredCard),
        new("4000000000000127", "pm_card_chargeDeclinedIncorrectCvc", "visa", "credit", "US", CardRule.Declines, CardDecline.IncorrectCvc),
        new("4000000000000119", "pm_card_chargeDeclinedProcessingError", "visa", "credit", "US", CardRule.Declines, CardDecline.ProcessingError),
        new("4000000000000341", "pm_card_chargeCustomerFail", "visa", "credit", "US", CardRule.DeclinesCharges, CardDecline.Generic),
        new("4000002760003184", "pm_card_authenticationRequired", "visa", "credit", "US", CardRule.AuthenticationAlways, CardDecline.AuthenticationRequired),
        new("4000000000003220", "pm_card_threeDSecure2Required", "visa", "credit", "US", CardRule.AuthenticationAlways, CardDecline.AuthenticationRequired),
        new("4000002500003155", "pm_card_authenticationRequiredOnSetup", "visa", "credit", "US", CardRule.AuthenticationUnlessSetUp, CardDecline.AuthenticationRequired),
    ];

    public static TestCard? ByToken(string token) => All.FirstOrDefault(c => c.Token == token);

    /// <summary>The test card for a number (spaces and dashes ignored), or the decline Stripe gives a number that is not one.</summary>
    public static (TestCard? Card, CardDecline? Refusal) ByNumber(string number)
    {
        var digits = new string(number.Where(c => c is not (' ' or '-')).ToArray());
        if (digits.Length is < 12 or > 19 || !digits.All(char.IsAsciiDigit) || !LuhnValid(digits))
        {
            return (null, CardDecline.IncorrectNumber);
        }

        return All.FirstOrDefault(c => c.Number == digits) is { } card ? (card, null) : (null, CardDecline.LiveCardInTestMode);
    }

    private static bool LuhnValid(string digits)
    {
        var sum = 0;
        for (var i = 0; i < digits.Length; i++)
        {
            var d = digits[digits.Length - 1 - i] - '0';
            if (i % 2 == 1)
            {
                d *= 2;
                if (d > 9)
                {
                    d -= 9;
                }
            }

            sum += d;
        }

        return sum % 10 == 0;
    }
}
