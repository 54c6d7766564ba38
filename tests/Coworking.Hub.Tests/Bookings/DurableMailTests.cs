using System.Net.Http.Headers;
using Coworking.Hub.Mail;
using Coworking.Hub.Organisations;
using Coworking.Hub.Tests.Support;
using Coworking.Testing;
using Coworking.Testing.Sync;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using MimeKit;
using Npgsql;

namespace Coworking.Hub.Tests.Bookings;

/// <summary>Confirmation e-mails wait in the database, so a hub that stops before sending loses none.</summary>
public sealed class DurableMailTests : IAsyncLifetime
{
    private readonly string _mailbox = Path.Combine(Path.GetTempPath(), $"coworking-mailbox-{Guid.NewGuid():N}");
    private readonly List<WebApplication> _apps = [];
    private string _database = string.Empty;

    public async Task InitializeAsync() => _database = await HubDatabase.CreateAsync("hub_mail");

    [Fact]
    public async Task Confirmation_queued_while_smtp_is_down_arrives_once_after_the_hub_restarts_as_two_instances()
    {
        var first = await StartAsync(TimeProvider.System, "--Mail:Smtp:Host=127.0.0.1", "--Mail:Smtp:LocalRelay=true", $"--Mail:Smtp:Port={FreePort.Next()}");
        var created = await first.Services.GetRequiredService<OrganisationStore>().CreateAsync("Mail Coworking", null, CancellationToken.None);
        using var admin = new HttpClient { BaseAddress = new Uri(first.Urls.Single()), Timeout = TimeSpan.FromSeconds(60) };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", created.ApiKey);
        var site = await Workspace.SiteAsync(admin);
        var email = $"ada-{Guid.NewGuid():N}@example.com";
        var member = await HubFixture.CreateMemberAsync(admin, site.LocationId, email);
        await admin.PostJsonAsync($"/api/v1/members/{member}/membership", new { tierId = await Workspace.TierAsync(admin, Workspace.Terms()), channel = "website" });
        var room = await Workspace.ResourceAsync(admin, site, "meeting_room", "Boardroom");
        var start = DateTimeOffset.UtcNow.AddDays(1);
        var pin = (await admin.PostJsonAsync("/api/v1/bookings", new { memberId = member, resourceId = room, start, end = start.AddHours(1) }))["pin"]!.GetValue<string>();
        await Eventually.Async(async () => await OutboxAsync() is { Attempts: > 0, Sent: false }, "a failed attempt at the unreachable SMTP server");
        await first.StopAsync();
        await first.DisposeAsync();
        _apps.Remove(first);

        var later = new FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(2));
        var second = await StartAsync(later, $"--Mail:PickupDirectory={_mailbox}");
        var third = await StartAsync(later, $"--Mail:PickupDirectory={_mailbox}");
        await Eventually.Async(async () => (await MailsToAsync(email)).Count > 0, "the confirmation in the mailbox");
        await Task.WhenAll(second.Services.GetRequiredService<MailOutbox>().SendDueAsync(default), third.Services.GetRequiredService<MailOutbox>().SendDueAsync(default));

        var mail = Assert.Single(await MailsToAsync(email));
        Assert.Contains($"PIN {pin}", mail.TextBody, StringComparison.Ordinal);
        var row = await OutboxAsync();
        Assert.Equal((true, false), (row!.Value.Sent, row.Value.HasPayload));
    }

    [Fact]
    public async Task Due_confirmations_go_out_together_over_one_smtp_connection_and_a_refusing_server_is_tried_once_for_all()
    {
        await using var smtp = new SmtpSink { Refusing = true };
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var app = await StartAsync(clock, "--Mail:Smtp:Host=127.0.0.1", "--Mail:Smtp:LocalRelay=true", $"--Mail:Smtp:Port={smtp.Port}");
        var created = await app.Services.GetRequiredService<OrganisationStore>().CreateAsync("Batch Coworking", null, CancellationToken.None);
        using var admin = new HttpClient { BaseAddress = new Uri(app.Urls.Single()), Timeout = TimeSpan.FromSeconds(60) };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", created.ApiKey);
        var site = await Workspace.SiteAsync(admin);
        var member = await HubFixture.CreateMemberAsync(admin, site.LocationId, $"grace-{Guid.NewGuid():N}@example.com");
        await admin.PostJsonAsync($"/api/v1/members/{member}/membership", new { tierId = await Workspace.TierAsync(admin, Workspace.Terms()), channel = "website" });
        var room = await Workspace.ResourceAsync(admin, site, "meeting_room", "Library");
        var tomorrow = clock.GetUtcNow().AddDays(1);
        for (var i = 0; i < 6; i++)
        {
            await admin.PostJsonAsync("/api/v1/bookings", new { memberId = member, resourceId = room, start = tomorrow.AddDays(i), end = tomorrow.AddDays(i).AddHours(1) });
        }

        // Each booking woke the sender, which found the server refusing: one failed attempt per row.
        await Eventually.Async(async () => await AttemptsAsync() is { Count: 6 } first && first.All(a => a == 1), "one failed attempt at each confirmation");
        var offered = smtp.Connections;

        // From here the six rows fall due together. The sender claims them as one batch and, refused at the first,
        // records a failed attempt on each without knocking six times: one connection per round of retries. (The
        // clock moves on at each look, so the sender's poll fires however its loop and this test interleave.)
        var retried = await Eventually.Async(
            async () =>
            {
                clock.Advance(TimeSpan.FromSeconds(20));
                return await AttemptsAsync();
            },
            attempts => attempts.Min() >= 2,
            "a second failed attempt at each confirmation");
        Assert.Equal(retried.Min(), retried.Max());
        Assert.Equal(offered + retried.Max() - 1, smtp.Connections);

        smtp.Refusing = false;
        await Eventually.Async(
            async () =>
            {
                clock.Advance(TimeSpan.FromMinutes(1));
                return await CountAsync("sent_at IS NOT NULL") == 6;
            },
            "all six confirmations sent");
        var sent = await AttemptsAsync();
        Assert.Equal(sent.Min(), sent.Max());
        Assert.Equal((6, offered + sent.Max() - 1), (smtp.Messages, smtp.Connections));
        Assert.Equal(0, await CountAsync("payload IS NOT NULL"));
    }

    private async Task<List<int>> AttemptsAsync()
    {
        await using var conn = new NpgsqlConnection(_database);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT attempts FROM mail_outbox", conn);
        await using var reader = await cmd.ExecuteReaderAsync();
        var attempts = new List<int>();
        while (await reader.ReadAsync())
        {
            attempts.Add(reader.GetInt32(0));
        }

        return attempts;
    }

    private async Task<long> CountAsync(string condition)
    {
        await using var conn = new NpgsqlConnection(_database);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand($"SELECT count(*) FROM mail_outbox WHERE {condition}", conn);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    private async Task<WebApplication> StartAsync(TimeProvider time, params string[] mail)
    {
        var app = HubApp.Build(
            [
                "--urls", "http://127.0.0.1:0",
                .. PostgresServer.HubSettings(_database),
                "--Serilog:MinimumLevel:Default=Warning",
                "--Billing:RunSchedules=false",
                .. mail,
            ],
            services => services.AddSingleton(time));
        _apps.Add(app);
        await app.StartAsync();
        return app;
    }

    private async Task<(int Attempts, bool Sent, bool HasPayload)?> OutboxAsync()
    {
        await using var conn = new NpgsqlConnection(_database);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT attempts, sent_at IS NOT NULL, payload IS NOT NULL FROM mail_outbox", conn);
        await using var reader = await cmd.ExecuteReaderAsync();
        return await reader.ReadAsync() ? (reader.GetInt32(0), reader.GetBoolean(1), reader.GetBoolean(2)) : null;
    }

    private async Task<List<MimeMessage>> MailsToAsync(string address)
    {
        var found = new List<MimeMessage>();
        foreach (var file in Directory.Exists(_mailbox) ? Directory.GetFiles(_mailbox, "*.eml") : [])
        {
            var message = await MimeMessage.LoadAsync(file);
            if (message.To.Mailboxes.Any(m => m.Address == address))
            {
                found.Add(message);
            }
        }

        return found;
    }

    public async Task DisposeAsync()
    {
        foreach (var app in _apps)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }

        if (Directory.Exists(_mailbox))
        {
            Directory.Delete(_mailbox, recursive: true);
        }
    }
}
