using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Coworking.Sim.Tests.Support;

/// <summary>
/// A local HTTP endpoint standing in for the hub's webhook route: records every POST (body and Stripe-Signature) and
/// answers with the status the test chooses for each request in turn. Registered with the sim on start, removed on dispose.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly Channel<ReceivedWebhook> received = Channel.CreateUnbounded<ReceivedWebhook>();
    private readonly Func<int, HttpStatusCode> answer;
    private readonly Func<int, TimeSpan> stall;
    private readonly StripeSimHost sim;
    private int requests;

    private WebhookReceiver(StripeSimHost sim, Func<int, HttpStatusCode> answer, Func<int, TimeSpan> stall)
    {
        this.sim = sim;
        this.answer = answer;
        this.stall = stall;
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        app = builder.Build();
        app.MapPost("/webhooks/stripe", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            var body = await reader.ReadToEndAsync();
            var number = Interlocked.Increment(ref requests);
            var eventId = JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
            await received.Writer.WriteAsync(new ReceivedWebhook(eventId, body, request.Headers["Stripe-Signature"].ToString(), request.ContentType));
            await Task.Delay(this.stall(number), CancellationToken.None);
            return Results.StatusCode((int)this.answer(number));
        });
    }

    public string EndpointId { get; private set; } = string.Empty;

    public string Secret { get; private set; } = string.Empty;

    /// <summary>
    /// Starts a receiver and registers it with the sim; <paramref name="answer"/> and <paramref name="stall"/> (how long
    /// to wait before answering) get the 1-based request number.
    /// </summary>
    public static async Task<WebhookReceiver> StartAsync(
        StripeSimHost sim, Func<int, HttpStatusCode>? answer = null, bool paused = false, Func<int, TimeSpan>? stall = null)
    {
        var receiver = new WebhookReceiver(sim, answer ?? (_ => HttpStatusCode.OK), stall ?? (_ => TimeSpan.Zero));
        await receiver.app.StartAsync();
        var url = receiver.app.Urls.First() + "/webhooks/stripe";
        using var response = await sim.Http.PostAsJsonAsync("/stripe/webhooks", new { url, paused });
        response.EnsureSuccessStatusCode();
        var endpoint = await response.Content.ReadFromJsonAsync<JsonElement>();
        receiver.EndpointId = endpoint.GetProperty("id").GetString()!;
        receiver.Secret = endpoint.GetProperty("secret").GetString()!;
        return receiver;
    }

    /// <summary>The next webhook carrying an event that satisfies <paramref name="match"/>, skipping others (events of other tests).</summary>
    public async Task<ReceivedWebhook> NextAsync(Func<ReceivedWebhook, bool> match)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (true)
        {
            var webhook = await received.Reader.ReadAsync(timeout.Token);
            if (match(webhook))
            {
                return webhook;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        using (await sim.Http.DeleteAsync($"/stripe/webhooks/{EndpointId}"))
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}

public sealed record ReceivedWebhook(string EventId, string Body, string Signature, string? ContentType)
{
    public JsonElement Json => JsonDocument.Parse(Body).RootElement;

    public string Type => Json.GetProperty("type").GetString()!;

    public string ObjectId => Json.GetProperty("data").GetProperty("object").GetProperty("id").GetString()!;
}
