using System.Net;
using Coworking.Sim.Stripe.Objects;

namespace Coworking.Sim.Stripe.Control;

/// <summary>
/// The pages a member's browser sees instead of checkout.stripe.com: the Checkout Session URL (enter a test card, save)
/// and the 3-D Secure page of a PaymentIntent in requires_action. Plain HTML forms, no script.
/// </summary>
internal static class StripePages
{
    public static RouteGroupBuilder MapStripePages(this RouteGroupBuilder stripe)
    {
        stripe.MapGet("/checkout/{sessionId}", CheckoutPage);
        stripe.MapPost("/checkout/{sessionId}", SubmitCheckoutAsync).DisableAntiforgery();
        stripe.MapGet("/authenticate/{paymentIntentId}", AuthenticatePage);
        stripe.MapPost("/authenticate/{paymentIntentId}", SubmitAuthenticationAsync).DisableAntiforgery();
        return stripe;
    }

    private static IResult CheckoutPage(string sessionId, HttpRequest request, StripeGateway gateway, TimeProvider time)
    {
        var session = gateway.Run(request, context =>
            context.Store.CheckoutSessions.TryGetValue(sessionId, out var found) ? Api.CheckoutSessionsApi.Current(context, found) : null);
        if (session is null)
        {
            return Page("Checkout", "<p>This checkout link is not known.</p>", StatusCodes.Status404NotFound);
        }

        return session.Status == "open" ? CardForm(session, error: null, time) : Page("Checkout", $"<p>This checkout is {Html(session.Status)}.</p>");
    }

    private static async Task<IResult> SubmitCheckoutAsync(string sessionId, HttpRequest request, StripeGateway gateway, TimeProvider time)
    {
        var form = await request.ReadFormAsync(request.HttpContext.RequestAborted);
        var (card, month, year, problems) = StripeControlApi.CardEntry(
            form["card"], int.TryParse(form["expMonth"], out var m) ? m : null, int.TryParse(form["expYear"], out var y) ? y : null, time.GetUtcNow());
        var session = gateway.Run(request, context => context.Store.CheckoutSessions.GetValueOrDefault(sessionId));
        if (session is null)
        {
            return Page("Checkout", "<p>This checkout link is not known.</p>", StatusCodes.Status404NotFound);
        }

        if (problems is not null)
        {
            return CardForm(session, string.Join(" ", problems.Values.SelectMany(v => v)), time);
        }

        var name = string.IsNullOrWhiteSpace(form["name"]) ? null : form["name"].ToString();
        var (done, problem) = StripeControlApi.CompleteCheckout(request, gateway, sessionId, card, month, year, name, null);
        if (done is null)
        {
            return CardForm(session, problem?.ProblemDetails.Detail ?? "The card could not be saved.", time);
        }

        return session.SuccessUrl is { } success
            ? Results.Redirect(success.Replace("{CHECKOUT_SESSION_ID}", session.Id, StringComparison.Ordinal), permanent: false, preserveMethod: false)
            : Page("Checkout", "<p>Your card is saved. You can close this page.</p>");
    }

    private static IResult AuthenticatePage(string paymentIntentId, HttpRequest request, StripeGateway gateway)
    {
        var intent = gateway.Run(request, context => context.Store.PaymentIntents.GetValueOrDefault(paymentIntentId));
        if (intent is not { Status: "requires_action" })
        {
            return Page("3-D Secure", "<p>There is nothing to authenticate here.</p>", StatusCodes.Status404NotFound);
        }

        var amount = $"{intent.Amount / 100m:0.00} {intent.Currency.ToUpperInvariant()}";
        return Page("3-D Secure", $"""
            <p>Authenticate a payment of <b>{Html(amount)}</b> (test mode).</p>
            <form method="post"><button name="outcome" value="succeed">Complete authentication</button>
            <button name="outcome" value="fail">Fail authentication</button></form>
            """);
    }

    private static async Task<IResult> SubmitAuthenticationAsync(string paymentIntentId, HttpRequest request, StripeGateway gateway)
    {
        var form = await request.ReadFormAsync(request.HttpContext.RequestAborted);
        var succeed = form["outcome"] == "succeed";
        var (done, problem) = StripeControlApi.Authenticate(request, gateway, paymentIntentId, succeed);
        if (done is null)
        {
            return Page("3-D Secure", $"<p>{Html(problem?.ProblemDetails.Detail ?? "Nothing to authenticate.")}</p>", StatusCodes.Status409Conflict);
        }

        var intent = gateway.Run(request, context => context.Store.PaymentIntents[paymentIntentId]);
        if (intent.ReturnUrl is { } returnUrl)
        {
            var separator = returnUrl.Contains('?', StringComparison.Ordinal) ? '&' : '?';
            var status = done.Status == "succeeded" ? "succeeded" : "failed";
            return Results.Redirect($"{returnUrl}{separator}payment_intent={intent.Id}&payment_intent_client_secret={Uri.EscapeDataString(intent.ClientSecret)}&redirect_status={status}");
        }

        return Page("3-D Secure", done.Status == "succeeded" ? "<p>Payment authenticated.</p>" : "<p>Authentication failed.</p>");
    }

    private static IResult CardForm(CheckoutSession session, string? error, TimeProvider time)
    {
        var cancel = session.CancelUrl is { } url ? $"""<p><a href="{Html(url)}">Cancel</a></p>""" : string.Empty;
        var message = error is null ? string.Empty : $"""<p class="error">{Html(error)}</p>""";
        return Page("Save a card", $"""
            <p>Save a card for future payments (test mode: use a test card such as 4242 4242 4242 4242).</p>
            {message}
            <form method="post">
              <label>Card number <input name="card" autocomplete="off" inputmode="numeric" required></label>
              <label>Expiry month <input name="expMonth" size="2" placeholder="12"></label>
              <label>Expiry year <input name="expYear" size="4" placeholder="{time.GetUtcNow().Year + 3}"></label>
              <label>Name on card <input name="name"></label>
              <button>Save card</button>
            </form>
            {cancel}
            """);
    }

    private static IResult Page(string title, string body, int status = StatusCodes.Status200OK) =>
        Results.Content($$"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>{{Html(title)}} · Stripe sim</title>
            <style>body{font-family:sans-serif;max-width:32rem;margin:3rem auto}label{display:block;margin:.5rem 0}.error{color:#b00}</style></head>
            <body><h1>{{Html(title)}}</h1>{{body}}</body></html>
            """, "text/html; charset=utf-8", statusCode: status);

    private static string Html(string text) => WebUtility.HtmlEncode(text);
}
