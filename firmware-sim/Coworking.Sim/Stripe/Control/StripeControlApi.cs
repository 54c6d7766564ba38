using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Coworking.Sim.Control;
using Coworking.Sim.Stripe.Api;
using Coworking.Sim.Stripe.Objects;
using Coworking.Sim.Stripe.Webhooks;
using Coworking.Sim.Stripe.Wire;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Coworking.Sim.Stripe.Control;

/// <summary>
/// The control API for tests and the demo: play the customer (complete a Checkout Session with a test card, pass or
/// fail 3-D Secure), manage webhook endpoints, fire, repeat and reorder events, and see every delivery attempt.
/// Answers are JSON in camelCase; errors are problem details naming the field.
/// </summary>
internal static partial class StripeControlApi
{
    public const int MaxRepeat = 100;

    public static IEndpointRouteBuilder MapStripeControlApi(this IEndpointRouteBuilder app)
    {
        var stripe = app.MapGroup("/stripe");
        stripe.MapGet("/cards", ListCards);
        stripe.MapPost("/checkout/{sessionId}/complete", CompleteCheckoutAsync);
        stripe.MapPost("/payment_intents/{paymentIntentId}/authenticate", AuthenticateAsync);
        stripe.MapGet("/webhooks", ListWebhooks);
        stripe.MapPost("/webhooks", RegisterWebhookAsync);
        stripe.MapGet("/webhooks/{endpointId}", GetWebhook);
        stripe.MapDelete("/webhooks/{endpointId}", RemoveWebhook);
        stripe.MapPost("/webhooks/{endpointId}/pause", PauseWebhook);
        stripe.MapPost("/webhooks/{endpointId}/resume", ResumeWebhook);
        stripe.MapPost("/events", FireEventAsync);
        stripe.MapGet("/deliveries", ListDeliveries);
        stripe.MapPost("/deliveries", DeliverAsync);
        stripe.MapStripePages();
        return app;
    }

    private static Ok<TestCardView[]> ListCards() =>
        TypedResults.Ok(TestCards.All.Select(c => new TestCardView(
            c.Number, c.Token, c.Brand, c.Funding, Behaviour(c.Rule), c.Decline?.Code, c.Decline?.DeclineCode)).ToArray());

    private static async Task<Results<Ok<CheckoutCompletion>, ValidationProblem, ProblemHttpResult>> CompleteCheckoutAsync(
        string sessionId, HttpRequest request, StripeGateway gateway, TimeProvider time, CancellationToken cancellationToken)
    {
        var (body, errors) = await JsonBody.ReadAsync<CompleteCheckoutRequest>(request, allowEmpty: false, cancellationToken);
        if (errors is not null)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var (card, expMonth, expYear, problems) = CardEntry(body!.Card, body.ExpMonth, body.ExpYear, time.GetUtcNow());
        if (problems is not null)
        {
            return TypedResults.ValidationProblem(problems);
        }

        return CompleteCheckout(request, gateway, sessionId, card, expMonth, expYear, body.Name, body.Email) switch
        {
            (CheckoutCompletion done, _) => TypedResults.Ok(done),
            (_, var problem) => problem!,
        };
    }

    /// <summary>Shared with the checkout page: the completion, or the problem (unknown or closed session, declined card).</summary>
    public static (CheckoutCompletion? Done, ProblemHttpResult? Problem) CompleteCheckout(
        HttpRequest request, StripeGateway gateway, string sessionId, TestCard? card, int expMonth, int expYear, string? name, string? email) =>
        gateway.Run<(CheckoutCompletion?, ProblemHttpResult?)>(request, context =>
        {
            if (!context.Store.CheckoutSessions.TryGetValue(sessionId, out var session))
            {
                return (null, NotFound("Unknown Checkout Session", $"No Checkout Session '{sessionId}'."));
            }

            session = CheckoutSessionsApi.Current(context, session);
            if (session.Status != "open")
            {
                return (null, TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Checkout Session not open", detail: $"The session is {session.Status}."));
            }

            if (card is null)
            {
                return (null, Declined(CardDecline.LiveCardInTestMode));
            }

            var (completed, decline) = CheckoutSessionsApi.Complete(context, session, card, expMonth, expYear, name, email);
            if (decline is not null)
            {
                return (null, Declined(decline));
            }

            var setupIntent = context.Store.SetupIntents[completed.SetupIntent];
            var defaultSet = completed.Customer is not null && context.Store.Customers[completed.Customer].DefaultPaymentMethod == setupIntent.PaymentMethod;
            return (new CheckoutCompletion(
                completed.Id, completed.Status, completed.Customer, completed.SetupIntent, setupIntent.PaymentMethod!, defaultSet,
                context.Emitted.Select(e => e.Id).ToList()), null);
        });

    /// <summary>A card number and expiry as typed by a customer, checked: the test card, or a problem naming the field.</summary>
    public static (TestCard? Card, int ExpMonth, int ExpYear, Dictionary<string, string[]>? Problems) CardEntry(string? number, int? expMonth, int? expYear, DateTimeOffset now)
    {
        var problems = new Dictionary<string, string[]>();
        TestCard? card = null;
        if (string.IsNullOrWhiteSpace(number))
        {
            problems["card"] = ["required: a test card number such as 4242424242424242 (GET /stripe/cards lists them)"];
        }
        else
        {
            var (found, refusal) = TestCards.ByNumber(number);
            if (refusal == CardDecline.IncorrectNumber)
            {
                problems["card"] = ["not a card number (12-19 digits passing the Luhn check)"];
            }

            card = found;
        }

        var month = expMonth ?? 12;
        var year = expYear ?? now.Year + 3;
        if (month is < 1 or > 12)
        {
            problems["expMonth"] = ["must be 1-12"];
        }

        if (year < now.Year || (year == now.Year && month < now.Month) || year > now.Year + 50)
        {
            problems["expYear"] = ["the card must not be expired (and expire within 50 years)"];
        }

        return (card, month, year, problems.Count > 0 ? problems : null);
    }

    private static async Task<Results<Ok<AuthenticationOutcome>, ValidationProblem, ProblemHttpResult>> AuthenticateAsync(
        string paymentIntentId, HttpRequest request, StripeGateway gateway, CancellationToken cancellationToken)
    {
        var (body, errors) = await JsonBody.ReadAsync<AuthenticateRequest>(request, allowEmpty: false, cancellationToken);
        if (errors is null && body?.Succeed is null)
        {
            errors = new() { ["succeed"] = ["required: true (the customer passes 3-D Secure) or false (fails it)"] };
        }

        if (errors is not null)
        {
            return TypedResults.ValidationProblem(errors);
        }

        return Authenticate(request, gateway, paymentIntentId, body!.Succeed!.Value) switch
        {
            (AuthenticationOutcome done, _) => TypedResults.Ok(done),
            (_, var problem) => problem!,
        };
    }

    public static (AuthenticationOutcome? Done, ProblemHttpResult? Problem) Authenticate(HttpRequest request, StripeGateway gateway, string paymentIntentId, bool succeed) =>
        gateway.Run<(AuthenticationOutcome?, ProblemHttpResult?)>(request, context =>
        {
            if (!context.Store.PaymentIntents.TryGetValue(paymentIntentId, out var intent))
            {
                return (null, NotFound("Unknown PaymentIntent", $"No PaymentIntent '{paymentIntentId}'."));
            }

            if (intent.Status != "requires_action")
            {
                return (null, TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Nothing to authenticate", detail: $"The PaymentIntent is {intent.Status}, not requires_action."));
            }

            var after = PaymentIntentsApi.Authenticate(context, intent, succeed);
            return (new AuthenticationOutcome(after.Id, after.Status, after.LastPaymentError?.Decline.Code, context.Emitted.Select(e => e.Id).ToList()), null);
        });

    private static Ok<WebhookView[]> ListWebhooks(WebhookDispatcher webhooks) =>
        TypedResults.Ok(webhooks.Endpoints().Select(e => WebhookView.Of(e, webhooks.Pending(e.Id), withSecret: false)).ToArray());

    private static Results<Ok<WebhookView>, ProblemHttpResult> GetWebhook(string endpointId, WebhookDispatcher webhooks) =>
        webhooks.Find(endpointId) is { } endpoint ? TypedResults.Ok(WebhookView.Of(endpoint, webhooks.Pending(endpointId), withSecret: false)) : UnknownEndpoint(endpointId);

    private static async Task<Results<Created<WebhookView>, ValidationProblem>> RegisterWebhookAsync(
        HttpRequest request, WebhookDispatcher webhooks, CancellationToken cancellationToken)
    {
        var (body, errors) = await JsonBody.ReadAsync<RegisterWebhookRequest>(request, allowEmpty: false, cancellationToken);
        if (errors is not null)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var problems = new Dictionary<string, string[]>();
        if (body!.Url is null || !StripeOptions.IsHttpUrl(body.Url))
        {
            problems["url"] = ["required: an absolute http(s) URL"];
        }

        if (body.Secret is not null && !WebhookSecret.IsValid(body.Secret))
        {
            problems["secret"] = ["whsec_ followed by at least 8 letters or digits; leave it out to have one made"];
        }

        if (body.EnabledEvents is { } enabled && (enabled.Count == 0 || enabled.Any(e => e is null || !EventTypePattern().IsMatch(e) && e != "*")))
        {
            problems["enabledEvents"] = ["a list of event types (payment_intent.succeeded …) or [\"*\"]"];
        }

        if (problems.Count > 0)
        {
            return TypedResults.ValidationProblem(problems);
        }

        var endpoint = webhooks.Register(body.Url!, body.Secret ?? WebhookSecret.New(), body.EnabledEvents ?? ["*"], body.Paused ?? false);
        return TypedResults.Created($"/stripe/webhooks/{endpoint.Id}", WebhookView.Of(endpoint, webhooks.Pending(endpoint.Id), withSecret: true));
    }

    private static Results<NoContent, ProblemHttpResult> RemoveWebhook(string endpointId, WebhookDispatcher webhooks)
    {
        if (webhooks.Find(endpointId) is { Source: "config" })
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Configured endpoint", detail: "Endpoints from the configuration file stay; pause it instead.");
        }

        return webhooks.Remove(endpointId) ? TypedResults.NoContent() : UnknownEndpoint(endpointId);
    }

    private static Results<Ok<WebhookView>, ProblemHttpResult> PauseWebhook(string endpointId, WebhookDispatcher webhooks) =>
        SetPaused(endpointId, webhooks, pause: true);

    private static Results<Ok<WebhookView>, ProblemHttpResult> ResumeWebhook(string endpointId, WebhookDispatcher webhooks) =>
        SetPaused(endpointId, webhooks, pause: false);

    private static Results<Ok<WebhookView>, ProblemHttpResult> SetPaused(string endpointId, WebhookDispatcher webhooks, bool pause) =>
        webhooks.SetPaused(endpointId, pause)
            ? TypedResults.Ok(WebhookView.Of(webhooks.Find(endpointId)!, webhooks.Pending(endpointId), withSecret: false))
            : UnknownEndpoint(endpointId);

    private static async Task<Results<Ok<JsonObject>, ValidationProblem>> FireEventAsync(
        HttpRequest request, StripeGateway gateway, CancellationToken cancellationToken)
    {
        var (body, errors) = await JsonBody.ReadAsync<FireEventRequest>(request, allowEmpty: false, cancellationToken);
        if (errors is not null)
        {
            return TypedResults.ValidationProblem(errors);
        }

        if (body!.Type is null || !EventTypePattern().IsMatch(body.Type))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["type"] = ["required: an event type such as payment_intent.succeeded"] });
        }

        var fired = gateway.Run(request, context =>
            body.ObjectId is not null && Render.ById(context.Store, body.ObjectId, Expand.None) is { } dataObject
                ? context.Emit(body.Type, dataObject)
                : null);
        return fired is null
            ? TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["objectId"] = ["required: the id of a sim object (cus_, pm_, seti_, cs_test_, pi_, ch_, re_) to put in data.object"] })
            : TypedResults.Ok(EventsApi.Parse(fired));
    }

    private static Ok<DeliveryAttempt[]> ListDeliveries(string? eventId, string? endpointId, WebhookDispatcher webhooks) =>
        TypedResults.Ok(webhooks.Attempts(eventId, endpointId).ToArray());

    private static async Task<Results<Ok<DeliveryAttempt[]>, ValidationProblem>> DeliverAsync(
        HttpRequest request, WebhookDispatcher webhooks, StripeStore store, CancellationToken cancellationToken)
    {
        var (body, errors) = await JsonBody.ReadAsync<DeliverRequest>(request, allowEmpty: false, cancellationToken);
        if (errors is not null)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var problems = new Dictionary<string, string[]>();
        var events = new List<StripeEvent>();
        if (body!.EventIds is not { Count: > 0 } ids)
        {
            problems["eventIds"] = ["required: the events to send, in the order to send them (an id may repeat)"];
        }
        else
        {
            lock (store.Gate)
            {
                var missing = ids.Where(id => id is null || !store.Events.ContainsKey(id)).ToList();
                if (missing.Count > 0)
                {
                    problems["eventIds"] = [$"unknown events: {string.Join(", ", missing)}"];
                }
                else
                {
                    events.AddRange(ids.Select(id => store.Events[id]));
                }
            }
        }

        if (body.Repeat is < 1 or > MaxRepeat)
        {
            problems["repeat"] = [$"must be 1-{MaxRepeat}"];
        }

        var targets = body.EndpointId is null ? webhooks.Endpoints() : webhooks.Find(body.EndpointId) is { } one ? [one] : [];
        if (body.EndpointId is not null && targets.Count == 0)
        {
            problems["endpointId"] = [$"no webhook endpoint '{body.EndpointId}'"];
        }

        if (problems.Count > 0)
        {
            return TypedResults.ValidationProblem(problems);
        }

        var attempts = new List<DeliveryAttempt>();
        foreach (var endpoint in targets)
        {
            var wanted = events.Where(e => body.EndpointId is not null || endpoint.Wants(e.Type)).ToList();
            attempts.AddRange(await webhooks.DeliverNowAsync(wanted, endpoint, body.Repeat ?? 1, cancellationToken));
        }

        return TypedResults.Ok(attempts.ToArray());
    }

    private static string Behaviour(CardRule rule) => rule switch
    {
        CardRule.Succeeds => "succeeds",
        CardRule.Declines => "declined when saved and when charged",
        CardRule.DeclinesCharges => "saves fine, every charge declined",
        CardRule.AuthenticationAlways => "3-D Secure on every payment: off-session declined with authentication_required",
        _ => "3-D Secure unless set up for off-session use (Checkout setup): then off-session payments succeed",
    };

    private static ProblemHttpResult Declined(CardDecline decline) =>
        TypedResults.Problem(
            statusCode: StatusCodes.Status402PaymentRequired,
            title: "Card declined",
            detail: decline.Message,
            extensions: new Dictionary<string, object?> { ["code"] = decline.Code, ["declineCode"] = decline.DeclineCode });

    private static ProblemHttpResult NotFound(string title, string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: title, detail: detail);

    private static ProblemHttpResult UnknownEndpoint(string endpointId) =>
        NotFound("Unknown webhook endpoint", $"No webhook endpoint '{endpointId}'.");

    [GeneratedRegex("^[a-z_]+(\\.[a-z_]+)+$")]
    private static partial Regex EventTypePattern();
}
