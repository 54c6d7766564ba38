using System.Text.Json;
using System.Text.Json.Serialization;
using Coworking.Sim.Stripe.Objects;
using Coworking.Sim.Stripe.Webhooks;

namespace Coworking.Sim.Stripe;

/// <summary>
/// Every Stripe object the sim holds, in creation order, behind one lock: a Stripe request runs whole under
/// <see cref="Gate"/> (it only touches memory), so requests never see each other half done. With a state path the
/// objects and the webhook endpoints registered at run time are written to a JSON file after each change and read
/// back at start; idempotency keys and delivery attempts live in memory only.
/// </summary>
internal sealed class StripeStore
{
    /// <summary>Stripe keeps events for 30 days; the sim keeps the newest this many.</summary>
    public const int MaxEvents = 10_000;

    private static readonly JsonSerializerOptions FileJson = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    private readonly string? path;

    public StripeStore(string? path)
    {
        this.path = path is null ? null : Path.GetFullPath(path);
        if (this.path is not null && File.Exists(this.path))
        {
            var state = JsonSerializer.Deserialize<StateFile>(File.ReadAllText(this.path), FileJson)
                ?? throw new InvalidDataException($"{this.path} holds no Stripe sim state");
            Fill(Customers, state.Customers, c => c.Id);
            Fill(PaymentMethods, state.PaymentMethods, p => p.Id);
            Fill(SetupIntents, state.SetupIntents, s => s.Id);
            Fill(CheckoutSessions, state.CheckoutSessions, s => s.Id);
            Fill(PaymentIntents, state.PaymentIntents, p => p.Id);
            Fill(Charges, state.Charges, c => c.Id);
            Fill(Refunds, state.Refunds, r => r.Id);
            Fill(Events, state.Events, e => e.Id);
            Fill(WebhookEndpoints, state.WebhookEndpoints, w => w.Id);
        }
    }

    public Lock Gate { get; } = new();

    public OrderedDictionary<string, Customer> Customers { get; } = new(StringComparer.Ordinal);

    public OrderedDictionary<string, PaymentMethod> PaymentMethods { get; } = new(StringComparer.Ordinal);

    public OrderedDictionary<string, SetupIntent> SetupIntents { get; } = new(StringComparer.Ordinal);

    public OrderedDictionary<string, CheckoutSession> CheckoutSessions { get; } = new(StringComparer.Ordinal);

    public OrderedDictionary<string, PaymentIntent> PaymentIntents { get; } = new(StringComparer.Ordinal);

    public OrderedDictionary<string, Charge> Charges { get; } = new(StringComparer.Ordinal);

    public OrderedDictionary<string, Refund> Refunds { get; } = new(StringComparer.Ordinal);

    public OrderedDictionary<string, StripeEvent> Events { get; } = new(StringComparer.Ordinal);

    /// <summary>Endpoints registered through the control API (those from the configuration are not stored).</summary>
    public OrderedDictionary<string, WebhookEndpoint> WebhookEndpoints { get; } = new(StringComparer.Ordinal);

    /// <summary>Saved responses by idempotency key.</summary>
    public Dictionary<string, IdempotentResponse> Idempotency { get; } = new(StringComparer.Ordinal);

    public void AddEvent(StripeEvent stripeEvent)
    {
        Events.Add(stripeEvent.Id, stripeEvent);
        while (Events.Count > MaxEvents)
        {
            Events.RemoveAt(0);
        }
    }

    /// <summary>Writes the state file (when there is one); call under <see cref="Gate"/>.</summary>
    public void Save()
    {
        if (path is null)
        {
            return;
        }

        var state = new StateFile(
            [.. Customers.Values], [.. PaymentMethods.Values], [.. SetupIntents.Values], [.. CheckoutSessions.Values],
            [.. PaymentIntents.Values], [.. Charges.Values], [.. Refunds.Values], [.. Events.Values], [.. WebhookEndpoints.Values]);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(state, FileJson));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.Move(temporary, path, overwrite: true);
    }

    private static void Fill<T>(OrderedDictionary<string, T> target, IReadOnlyList<T>? items, Func<T, string> id)
    {
        foreach (var item in items ?? [])
        {
            target[id(item)] = item;
        }
    }

    private sealed record StateFile(
        IReadOnlyList<Customer>? Customers,
        IReadOnlyList<PaymentMethod>? PaymentMethods,
        IReadOnlyList<SetupIntent>? SetupIntents,
        IReadOnlyList<CheckoutSession>? CheckoutSessions,
        IReadOnlyList<PaymentIntent>? PaymentIntents,
        IReadOnlyList<Charge>? Charges,
        IReadOnlyList<Refund>? Refunds,
        IReadOnlyList<StripeEvent>? Events,
        IReadOnlyList<WebhookEndpoint>? WebhookEndpoints);
}

/// <summary>A response kept for its idempotency key: replayed for the same endpoint and parameters within 24 hours.</summary>
internal sealed record IdempotentResponse(string Endpoint, string Parameters, int Status, string Body, string RequestId, long Created);
