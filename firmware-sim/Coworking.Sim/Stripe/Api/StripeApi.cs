namespace Coworking.Sim.Stripe.Api;

/// <summary>
/// The Stripe API surface the sim answers, at Stripe's own paths, so a client's API base is simply the sim's URL.
/// Every route runs through <see cref="StripeGateway"/> (key, parameters, idempotency, errors).
/// </summary>
internal static class StripeApi
{
    public static IEndpointRouteBuilder MapStripeApi(this IEndpointRouteBuilder app)
    {
        var v1 = app.MapGroup("/v1");
        Map(v1, "POST", "/customers", CustomersApi.Create);
        Map(v1, "GET", "/customers", CustomersApi.List);
        Map(v1, "GET", "/customers/{id}", CustomersApi.Retrieve);
        Map(v1, "POST", "/customers/{id}", CustomersApi.Update);
        Map(v1, "DELETE", "/customers/{id}", CustomersApi.Delete);
        Map(v1, "GET", "/customers/{id}/payment_methods", CustomersApi.ListPaymentMethods);

        Map(v1, "POST", "/checkout/sessions", CheckoutSessionsApi.Create);
        Map(v1, "GET", "/checkout/sessions", CheckoutSessionsApi.List);
        Map(v1, "GET", "/checkout/sessions/{id}", CheckoutSessionsApi.Retrieve);
        Map(v1, "POST", "/checkout/sessions/{id}/expire", CheckoutSessionsApi.Expire);

        Map(v1, "GET", "/payment_methods", PaymentMethodsApi.List);
        Map(v1, "GET", "/payment_methods/{id}", PaymentMethodsApi.Retrieve);
        Map(v1, "POST", "/payment_methods/{id}", PaymentMethodsApi.Update);
        Map(v1, "POST", "/payment_methods/{id}/attach", PaymentMethodsApi.AttachRequest);
        Map(v1, "POST", "/payment_methods/{id}/detach", PaymentMethodsApi.Detach);

        Map(v1, "GET", "/setup_intents", SetupIntentsApi.List);
        Map(v1, "GET", "/setup_intents/{id}", SetupIntentsApi.Retrieve);

        Map(v1, "POST", "/payment_intents", PaymentIntentsApi.Create);
        Map(v1, "GET", "/payment_intents", PaymentIntentsApi.List);
        Map(v1, "GET", "/payment_intents/{id}", PaymentIntentsApi.Retrieve);
        Map(v1, "POST", "/payment_intents/{id}", PaymentIntentsApi.Update);
        Map(v1, "POST", "/payment_intents/{id}/confirm", PaymentIntentsApi.ConfirmRequest);
        Map(v1, "POST", "/payment_intents/{id}/cancel", PaymentIntentsApi.Cancel);

        Map(v1, "GET", "/charges", RefundsApi.ListCharges);
        Map(v1, "GET", "/charges/{id}", RefundsApi.RetrieveCharge);
        Map(v1, "POST", "/refunds", RefundsApi.Create);
        Map(v1, "GET", "/refunds", RefundsApi.List);
        Map(v1, "GET", "/refunds/{id}", RefundsApi.Retrieve);

        Map(v1, "GET", "/events", EventsApi.List);
        Map(v1, "GET", "/events/{id}", EventsApi.Retrieve);

        app.MapFallback("/v1/{**path}", (HttpContext http, StripeGateway gateway) => gateway.Unrecognized(http));
        return app;
    }

    private static void Map(RouteGroupBuilder group, string method, string pattern, Func<StripeCall, StripeResult> handler) =>
        group.MapMethods(pattern, [method], (HttpContext http, StripeGateway gateway) => gateway.RunAsync(http, handler));
}
