using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Coworking.Hub.Billing;
using Coworking.Hub.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Coworking.Hub.Tests.Http;

/// <summary>
/// <c>Idempotency-Key</c> on the POSTs that create money or credentials: a retry with the same key gets the first answer
/// (same booking, same PIN, same status) and does nothing twice; the same key with another request is 422 naming the
/// header; keys are the caller's own, kept 24 hours, and the kept answer is not stored in plain text.
/// </summary>
public sealed class IdempotencyTests(ClockedHubFixture hub) : IClassFixture<ClockedHubFixture>
{
    private static readonly DateTimeOffset Now = new(2026, 3, 2, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Booking_retried_with_the_same_key_is_the_same_booking_with_the_same_pin_and_nothing_is_booked_twice()
    {
        var (member, room) = await SetUpAsync();
        var key = $"booking-{Guid.NewGuid():N}";
        var start = Now.AddDays(3);

        using var first = await PostAsync(hub.Admin, "/api/v1/bookings", key, new { memberId = member, resourceId = room, start, end = start.AddHours(1) });
        using var retry = await PostAsync(hub.Admin, "/api/v1/bookings", key, new { memberId = member, resourceId = room, start, end = start.AddHours(1) });

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        var booking = await first.SuccessBodyAsync();
        var again = await retry.SuccessBodyAsync();
        Assert.Equal(booking.Id(), again.Id());
        Assert.Equal(booking["pin"]!.GetValue<string>(), again["pin"]!.GetValue<string>());
        Assert.Equal(booking["status"]!.GetValue<string>(), again["status"]!.GetValue<string>());
        Assert.Equal(first.Headers.Location, retry.Headers.Location);
        Assert.Equal("true", Assert.Single(retry.Headers.GetValues("Idempotent-Replayed")));
        Assert.Single((await hub.Admin.GetJsonAsync($"/api/v1/bookings?memberId={member}")).Items());

        var stored = await StoredAnswerAsync(key);
        Assert.DoesNotContain(booking["pin"]!.GetValue<string>(), Encoding.Latin1.GetString(stored), StringComparison.Ordinal);
        Assert.DoesNotContain(booking.Id().ToString(), Encoding.Latin1.GetString(stored), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Same_key_with_another_request_is_422_naming_the_key_and_books_nothing()
    {
        var (member, room) = await SetUpAsync();
        var key = $"booking-{Guid.NewGuid():N}";
        var start = Now.AddDays(4);
        using var first = await PostAsync(hub.Admin, "/api/v1/bookings", key, new { memberId = member, resourceId = room, start, end = start.AddHours(1) });
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);

        using var other = await PostAsync(hub.Admin, "/api/v1/bookings", key, new { memberId = member, resourceId = room, start = start.AddHours(2), end = start.AddHours(3) });

        Assert.Equal(["Idempotency-Key"], (await other.ProblemAsync(422)).ErrorFields());
        Assert.Single((await hub.Admin.GetJsonAsync($"/api/v1/bookings?memberId={member}")).Items());
    }

    [Fact]
    public async Task Same_key_from_another_api_key_is_a_request_of_its_own()
    {
        var (member, room) = await SetUpAsync();
        var key = $"booking-{Guid.NewGuid():N}";
        var start = Now.AddDays(5);
        var body = new { memberId = member, resourceId = room, start, end = start.AddHours(1) };
        using var first = await PostAsync(hub.Admin, "/api/v1/bookings", key, body);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var colleague = hub.Client((await hub.Admin.PostJsonAsync("/api/v1/api-keys", new { name = "second admin", role = "org_admin" }))["apiKey"]!.GetValue<string>());

        using var theirs = await PostAsync(colleague, "/api/v1/bookings", key, body);

        // Carried out, not replayed: the room is already booked at that hour.
        Assert.False(theirs.Headers.Contains("Idempotent-Replayed"));
        await theirs.ProblemAsync(409);
    }

    [Fact]
    public async Task Key_is_new_again_after_24_hours()
    {
        var (member, room) = await SetUpAsync();
        var key = $"booking-{Guid.NewGuid():N}";
        var start = Now.AddDays(6);
        var body = new { memberId = member, resourceId = room, start, end = start.AddHours(1) };
        using var first = await PostAsync(hub.Admin, "/api/v1/bookings", key, body);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);

        hub.Time.Advance(TimeSpan.FromHours(25));
        using var late = await PostAsync(hub.Admin, "/api/v1/bookings", key, body);

        Assert.False(late.Headers.Contains("Idempotent-Replayed"));
        await late.ProblemAsync(409);
    }

    [Fact]
    public async Task Refused_request_is_not_kept_and_may_be_retried_with_the_same_key()
    {
        var (member, room) = await SetUpAsync();
        var key = $"booking-{Guid.NewGuid():N}";
        var start = Now.AddDays(7);
        var body = new { memberId = member, resourceId = room, start, end = start.AddHours(1) };
        using var blocker = await hub.Admin.PostAsJsonAsync("/api/v1/bookings", body);
        Assert.Equal(HttpStatusCode.Created, blocker.StatusCode);
        using var refused = await PostAsync(hub.Admin, "/api/v1/bookings", key, body);
        await refused.ProblemAsync(409);
        using var cancelled = await hub.Admin.PostAsJsonAsync($"/api/v1/bookings/{(await blocker.SuccessBodyAsync()).Id()}/cancel", new { });
        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);

        using var retry = await PostAsync(hub.Admin, "/api/v1/bookings", key, body);

        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        Assert.False(retry.Headers.Contains("Idempotent-Replayed"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("x")]
    public async Task Key_that_is_not_one_is_400_naming_the_header(string key)
    {
        var (member, room) = await SetUpAsync();
        var start = Now.AddDays(8);
        var bad = key == "x" ? new string('x', 256) : key;

        using var response = await PostAsync(hub.Admin, "/api/v1/bookings", bad, new { memberId = member, resourceId = room, start, end = start.AddHours(1) });

        Assert.Equal(["Idempotency-Key"], (await response.ProblemAsync(400)).ErrorFields());
        Assert.Empty((await hub.Admin.GetJsonAsync($"/api/v1/bookings?memberId={member}")).Items());
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient client, string path, string key, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        return await client.SendAsync(request);
    }

    private async Task<byte[]> StoredAnswerAsync(string key)
    {
        await using var conn = new NpgsqlConnection(hub.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT response FROM idempotency_keys WHERE key = @key", conn);
        cmd.Parameters.AddWithValue("key", key);
        return (byte[])(await cmd.ExecuteScalarAsync())!;
    }

    private async Task<(Guid Member, Guid Room)> SetUpAsync()
    {
        hub.Time.AdjustTime(Now);
        var site = await Workspace.SiteAsync(hub.Admin, name: $"Site {Guid.NewGuid():N}"[..12]);
        var member = await Workspace.MemberAsync(hub.Admin, site.LocationId, await Workspace.TierAsync(hub.Admin, Workspace.Terms()));
        return (member, await Workspace.ResourceAsync(hub.Admin, site, "meeting_room"));
    }
}

/// <summary>A payment retried with its key answers the paid invoice again instead of a second payment's 409.</summary>
public sealed class IdempotentPaymentTests(HubFixture hub) : IClassFixture<HubFixture>
{
    [Fact]
    public async Task Payment_retried_with_the_same_key_answers_the_first_payment_again()
    {
        var (_, admin) = await hub.NewOrganisationAsync("Idempotent Payments");
        var member = await InvoicedAsync(admin);
        var invoice = Assert.Single((await admin.GetJsonAsync($"/api/v1/members/{member}/invoices")).Items()).Id();
        var key = $"payment-{Guid.NewGuid():N}";

        using var first = await PostAsync(admin, $"/api/v1/invoices/{invoice}/payments", key, new { method = "bank_transfer", reference = "BACS 1" });
        using var retry = await PostAsync(admin, $"/api/v1/invoices/{invoice}/payments", key, new { method = "bank_transfer", reference = "BACS 1" });

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.Equal((await first.SuccessBodyAsync()).ToJsonString(), (await retry.SuccessBodyAsync()).ToJsonString());
        Assert.Single((await admin.GetJsonAsync($"/api/v1/members/{member}/billing"))["payments"]!.AsArray());
    }

    private async Task<Guid> InvoicedAsync(HttpClient admin)
    {
        var site = await Workspace.SiteAsync(admin, name: "Payments");
        var member = await Workspace.MemberAsync(admin, site.LocationId, await Workspace.TierAsync(admin, Workspace.Terms()));
        await hub.Services.GetRequiredService<InvoiceStore>().IssueDueAsync(default);
        return member;
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient client, string path, string key, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        return await client.SendAsync(request);
    }
}
