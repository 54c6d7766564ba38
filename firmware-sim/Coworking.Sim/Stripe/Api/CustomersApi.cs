using System.Text.Json.Nodes;
using Coworking.Sim.Stripe.Objects;
using Coworking.Sim.Stripe.Wire;

namespace Coworking.Sim.Stripe.Api;

/// <summary>/v1/customers: create, retrieve, update, delete, list, and a customer's payment methods.</summary>
internal static class CustomersApi
{
    public static StripeResult Create(StripeCall call)
    {
        var p = call.Params;
        var email = p.String("email");
        var name = p.String("name");
        var description = p.String("description");
        var phone = p.String("phone");
        var metadata = p.Metadata();
        var paymentMethodId = p.NonEmpty("payment_method");
        var defaultPaymentMethod = InvoiceSettings(p);
        _ = call.Expand;
        p.RejectUnknown();
        var paymentMethod = paymentMethodId is null ? null : PaymentMethodsApi.Resolve(call, paymentMethodId, "payment_method");
        if (defaultPaymentMethod is not null && defaultPaymentMethod != paymentMethodId)
        {
            throw NotAttached(defaultPaymentMethod);
        }

        if (paymentMethod is not null && PaymentMethodsApi.RefusalOnSave(call, paymentMethod) is { } refusal)
        {
            return refusal;
        }

        var customer = new Customer
        {
            Id = Ids.New("cus", 14),
            Created = call.Timestamp,
            Email = Blank(email),
            Name = Blank(name),
            Description = Blank(description),
            Phone = Blank(phone),
            InvoicePrefix = Ids.Random(8).ToUpperInvariant(),
            Metadata = metadata?.ApplyTo(new Dictionary<string, string>()) ?? new Dictionary<string, string>(),
            DefaultPaymentMethod = defaultPaymentMethod is null ? null : paymentMethod?.Id,
        };
        call.Store.Customers.Add(customer.Id, customer);
        call.Emit("customer.created", Render.Customer(call.Store, customer, Expand.None));
        if (paymentMethod is not null)
        {
            PaymentMethodsApi.Attach(call, paymentMethod, customer.Id, setUpForOffSession: false);
        }

        return StripeCall.Ok(Render.Customer(call.Store, call.Store.Customers[customer.Id], call.Expand));
    }

    public static StripeResult Retrieve(StripeCall call)
    {
        var customer = Find(call, call.Id);
        call.Params.RejectUnknown();
        return StripeCall.Ok(Render.Customer(call.Store, customer, call.Expand));
    }

    public static StripeResult Update(StripeCall call)
    {
        var p = call.Params;
        var customer = Find(call, call.Id);
        if (customer.Deleted)
        {
            throw StripeApiException.InvalidRequest($"No such customer: '{customer.Id}'; it has been deleted.", "id", "resource_missing");
        }

        var email = p.String("email");
        var name = p.String("name");
        var description = p.String("description");
        var phone = p.String("phone");
        var metadata = p.Metadata();
        var invoiceSettings = p.Has("invoice_settings");
        var defaultPaymentMethod = InvoiceSettings(p);
        _ = call.Expand;
        p.RejectUnknown();
        if (defaultPaymentMethod is not null
            && (!call.Store.PaymentMethods.TryGetValue(defaultPaymentMethod, out var pm) || pm.Customer != customer.Id))
        {
            throw NotAttached(defaultPaymentMethod);
        }

        var before = Render.Customer(call.Store, customer, Expand.None);
        var updated = customer with
        {
            Email = email is null ? customer.Email : Blank(email),
            Name = name is null ? customer.Name : Blank(name),
            Description = description is null ? customer.Description : Blank(description),
            Phone = phone is null ? customer.Phone : Blank(phone),
            Metadata = metadata?.ApplyTo(customer.Metadata) ?? customer.Metadata,
            DefaultPaymentMethod = invoiceSettings && p.Hash("invoice_settings")!.Has("default_payment_method") ? defaultPaymentMethod : customer.DefaultPaymentMethod,
        };
        Save(call, updated, before);
        return StripeCall.Ok(Render.Customer(call.Store, updated, call.Expand));
    }

    public static StripeResult Delete(StripeCall call)
    {
        var customer = Find(call, call.Id);
        call.Params.RejectUnknown();
        if (customer.Deleted)
        {
            throw StripeApiException.NoSuch("customer", customer.Id);
        }

        var before = Render.Customer(call.Store, customer, Expand.None);
        foreach (var pm in call.Store.PaymentMethods.Values.Where(m => m.Customer == customer.Id).ToList())
        {
            call.Store.PaymentMethods[pm.Id] = pm with { Customer = null };
        }

        call.Store.Customers[customer.Id] = customer with { Deleted = true };
        call.Emit("customer.deleted", before);
        return StripeCall.Ok(Render.Customer(call.Store, call.Store.Customers[customer.Id], Expand.None));
    }

    public static StripeResult List(StripeCall call)
    {
        var email = call.Params.String("email");
        var customers = call.Store.Customers.Values.Where(c => !c.Deleted && (email is null || string.Equals(c.Email, email, StringComparison.OrdinalIgnoreCase)));
        return StripeCall.Ok(Pages.List(call.Params, "/v1/customers", customers, c => c.Id, (c, e) => Render.Customer(call.Store, c, e), call.Expand));
    }

    public static StripeResult ListPaymentMethods(StripeCall call)
    {
        var customer = Find(call, call.Id);
        var type = call.Params.NonEmpty("type");
        if (type is not null and not "card")
        {
            return StripeCall.Ok(Render.List($"/v1/customers/{customer.Id}/payment_methods", [], hasMore: false));
        }

        var methods = call.Store.PaymentMethods.Values.Where(m => m.Customer == customer.Id);
        return StripeCall.Ok(Pages.List(call.Params, $"/v1/customers/{customer.Id}/payment_methods", methods, m => m.Id, (m, e) => Render.PaymentMethod(call.Store, m, e), call.Expand));
    }

    public static Customer Find(StripeContext context, string id, string param = "id") =>
        context.Store.Customers.TryGetValue(id, out var customer) ? customer : throw StripeApiException.NoSuch("customer", id, param);

    /// <summary>Stores the changed customer and emits customer.updated with what changed, if anything did.</summary>
    public static void Save(StripeContext context, Customer updated, JsonObject before)
    {
        context.Store.Customers[updated.Id] = updated;
        var after = Render.Customer(context.Store, updated, Expand.None);
        if (StripeContext.Changes(before, after) is { } previous)
        {
            context.Emit("customer.updated", after, previous);
        }
    }

    private static string? InvoiceSettings(StripeParams p)
    {
        if (p.Hash("invoice_settings") is not { } settings)
        {
            return null;
        }

        var value = settings.String("default_payment_method");
        settings.RejectUnknown("invoice_settings");
        return value is { Length: 0 } ? null : value;
    }

    private static StripeApiException NotAttached(string paymentMethod) =>
        StripeApiException.InvalidRequest(
            $"The customer does not have a payment method with the ID {paymentMethod}. The payment method must be attached to the customer.",
            "invoice_settings[default_payment_method]",
            "resource_missing");

    private static string? Blank(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
