using Coworking.Sim.Configuration;
using Coworking.Sim.Stripe.Objects;
using Coworking.Sim.Stripe.Webhooks;
using Coworking.Sim.Stripe.Wire;
using StripeEventUtility = Stripe.EventUtility;
using SimStripeOptions = Coworking.Sim.Stripe.StripeOptions;
using SimWebhookOptions = Coworking.Sim.Stripe.WebhookOptions;
using SimWebhookRetryOptions = Coworking.Sim.Stripe.WebhookRetryOptions;

namespace Coworking.Sim.Tests.StripeSim;

/// <summary>The pieces of the Stripe wire format on their own: parameters, signatures, test cards, retry delays, configuration.</summary>
public class StripeWireTests
{
    [Fact]
    public void Bracket_parameters_become_hashes_and_lists_whatever_their_order()
    {
        var form = FormParams.Parse("amount=1000&metadata[invoice]=INV+1%262&expand[]=customer&expand[]=latest_charge&items[1][price]=b&items[0][price]=a");
        var parameters = new StripeParams(form);

        Assert.Equal(1000, parameters.Long("amount"));
        Assert.Equal("INV 1&2", parameters.Metadata()!.Changes["invoice"]);
        Assert.Equal(["customer", "latest_charge"], parameters.Expand());
        Assert.Equal(["a", "b"], form.Children["items"].AsList()!.Select(i => i.Children["price"].Value));
        Assert.Equal(
            FormParams.Parse("b=2&a[y]=1&a[x]=0").Canonical(),
            FormParams.Parse("a%5Bx%5D=0&a[y]=1&b=2").Canonical());
    }

    [Theory]
    [InlineData("metadata[a]=1&metadata=2")]
    [InlineData("a=1&a=2")]
    [InlineData("[x]=1")]
    [InlineData("a[b=1")]
    public void Parameters_that_contradict_themselves_are_refused(string body)
    {
        var error = Assert.Throws<StripeApiException>(() => FormParams.Parse(body));

        Assert.Equal(400, error.Status);
        Assert.Equal("invalid_request_error", error.Type);
    }

    [Fact]
    public void Unread_parameter_is_refused_by_name_and_bad_values_name_their_field()
    {
        var parameters = new StripeParams(FormParams.Parse("amount=ten&confirm=yes&colour=red"));

        var amount = Assert.Throws<StripeApiException>(() => parameters.Long("amount"));
        var confirm = Assert.Throws<StripeApiException>(() => parameters.Bool("confirm"));
        var unknown = Assert.Throws<StripeApiException>(() => parameters.RejectUnknown());

        Assert.Equal(("amount", "Invalid integer: ten"), (amount.Param, amount.Message));
        Assert.Equal("confirm", confirm.Param);
        Assert.Equal(("colour", "parameter_unknown"), (unknown.Param, unknown.Code));
    }

    [Fact]
    public void Empty_metadata_value_removes_the_key_and_empty_metadata_removes_all()
    {
        var current = new Dictionary<string, string> { ["a"] = "1", ["b"] = "2" };

        var one = new StripeParams(FormParams.Parse("metadata[a]=&metadata[c]=3")).Metadata()!.ApplyTo(current);
        var all = new StripeParams(FormParams.Parse("metadata=")).Metadata()!.ApplyTo(current);

        Assert.Equal(new Dictionary<string, string> { ["b"] = "2", ["c"] = "3" }, one);
        Assert.Empty(all);
    }

    [Fact]
    public void Signature_is_the_one_stripe_net_computes_for_the_same_secret_time_and_payload()
    {
        const string payload = "{\n  \"id\": \"evt_1\",\n  \"object\": \"event\"\n}";
        const string secret = "whsec_0123456789abcdefABCDEF";

        var header = WebhookSecret.Header(secret, 1_790_000_000, payload);

        Assert.Equal($"t=1790000000,v1={StripeEventUtility.ComputeSignature(secret, "1790000000", payload)}", header);
        StripeEventUtility.ValidateSignature(payload, header, secret, tolerance: 300, utcNow: 1_790_000_100);
    }

    [Theory]
    [InlineData("4242424242424242", "visa", "Succeeds", null)]
    [InlineData("4242 4242 4242 4242", "visa", "Succeeds", null)]
    [InlineData("5555555555554444", "mastercard", "Succeeds", null)]
    [InlineData("4000000000000002", "visa", "Declines", "generic_decline")]
    [InlineData("4000000000009995", "visa", "Declines", "insufficient_funds")]
    [InlineData("4000000000000341", "visa", "DeclinesCharges", "generic_decline")]
    [InlineData("4000000000003220", "visa", "AuthenticationAlways", "authentication_required")]
    [InlineData("4000002500003155", "visa", "AuthenticationUnlessSetUp", "authentication_required")]
    public void Test_card_numbers_behave_as_stripe_documents(string number, string brand, string rule, string? declineCode)
    {
        var (card, refusal) = TestCards.ByNumber(number);

        Assert.Null(refusal);
        Assert.Equal((brand, rule, declineCode), (card!.Brand, card.Rule.ToString(), card.Decline?.DeclineCode));
        Assert.Equal(number[^4..], card.Last4);
        Assert.DoesNotContain(card.Number, card.Fingerprint, StringComparison.Ordinal);
    }

    [Fact]
    public void Number_failing_luhn_is_incorrect_and_a_real_looking_one_is_a_live_card_in_test_mode()
    {
        Assert.Equal(CardDecline.IncorrectNumber, TestCards.ByNumber("4242424242424241").Refusal);
        Assert.Equal(CardDecline.LiveCardInTestMode, TestCards.ByNumber("4111111111111111").Refusal);
        Assert.Equal("4000000000000341", TestCards.ByToken("pm_card_chargeCustomerFail")!.Number);
    }

    [Fact]
    public void Retry_delays_double_from_the_first_and_stop_growing_at_the_maximum()
    {
        var retry = new SimWebhookRetryOptions { MaxAttempts = 6, FirstDelayMs = 1000, MaxDelayMs = 5000 };

        Assert.Equal([1000d, 2000d, 4000d, 5000d, 5000d], Enumerable.Range(2, 5).Select(a => retry.DelayBefore(a).TotalMilliseconds));
    }

    [Fact]
    public void Sim_with_only_a_stripe_section_is_a_valid_configuration()
    {
        var options = new SimOptions { Stripe = new SimStripeOptions { SecretKey = "sk_test_only_stripe" } };

        Assert.Empty(options.Validate());
    }

    [Fact]
    public void Every_stripe_configuration_error_names_its_field()
    {
        var options = new SimOptions
        {
            Stripe = new SimStripeOptions
            {
                SecretKey = "sk_live_real",
                ApiVersion = "2026-10-28",
                Webhooks = [new SimWebhookOptions { Url = "ftp://hub", Secret = "secret" }],
                WebhookRetry = new SimWebhookRetryOptions { MaxAttempts = 0, FirstDelayMs = 100, MaxDelayMs = 10 },
            },
        };

        var errors = options.Validate();

        Assert.Contains(errors, e => e.StartsWith("stripe.secretKey must be a test key", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("stripe.apiVersion", StringComparison.Ordinal));
        Assert.Contains("stripe.webhooks[0].url must be an absolute http(s) URL", errors);
        Assert.Contains(errors, e => e.StartsWith("stripe.webhooks[0].secret must be whsec_", StringComparison.Ordinal));
        Assert.Contains("stripe.webhookRetry.maxAttempts must be 1-20", errors);
        Assert.Contains("stripe.webhookRetry.maxDelayMs must be firstDelayMs-259200000", errors);
    }
}
