using System.Net.Http.Json;
using Coworking.Hub.Tests.Support;
using MimeKit;

namespace Coworking.Hub.Tests.Bookings;

/// <summary>Confirmation e-mails land in the dev mailbox (no SMTP server configured) with the PIN and the QR code.</summary>
public sealed class ConfirmationMailTests(ClockedHubFixture hub) : IClassFixture<ClockedHubFixture>
{
    private static readonly DateTimeOffset Now = new(2026, 3, 2, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Booking_confirmation_holds_the_pin_local_times_and_an_inline_qr_code()
    {
        var (site, member, email) = await SetUpAsync();
        var room = await Workspace.ResourceAsync(hub.Admin, site, "meeting_room", "Boardroom");
        var start = new DateTimeOffset(2026, 3, 30, 9, 0, 0, TimeSpan.FromHours(1));

        using var response = await hub.Admin.PostAsJsonAsync("/api/v1/bookings", new { memberId = member, resourceId = room, start, end = start.AddHours(1) });
        var pin = (await response.SuccessBodyAsync())["pin"]!.GetValue<string>();

        var mail = await MailToAsync(email);
        Assert.Contains("Boardroom", mail.Subject, StringComparison.Ordinal);
        Assert.Contains($"PIN {pin}", mail.TextBody, StringComparison.Ordinal);
        Assert.Contains("Mon 30 Mar 2026 09:00", mail.TextBody, StringComparison.Ordinal);
        var qr = Assert.Single(mail.BodyParts.OfType<MimePart>(), p => p.ContentType.MimeType == "image/png");
        Assert.Contains($"cid:{qr.ContentId}", mail.HtmlBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Series_confirmation_tells_the_member_of_each_conflict()
    {
        var (site, member, email) = await SetUpAsync();
        var desk = await Workspace.ResourceAsync(hub.Admin, site, "hot_desk", "Desk 14");
        await hub.Admin.PostJsonAsync($"/api/v1/resources/{desk}/blocks", new { start = new DateTimeOffset(2026, 3, 9, 0, 0, 0, TimeSpan.Zero), end = new DateTimeOffset(2026, 3, 10, 0, 0, 0, TimeSpan.Zero) });

        await hub.Admin.PostJsonAsync("/api/v1/bookings/series", new
        {
            memberId = member, resourceId = desk, weekdays = new[] { "monday" }, startTime = "09:00", endTime = "17:00", from = "2026-03-02", until = "2026-03-16",
        });

        var mail = await MailToAsync(email);
        Assert.Contains("Desk 14, 2 times", mail.Subject, StringComparison.Ordinal);
        Assert.Contains("Not booked:", mail.TextBody, StringComparison.Ordinal);
        Assert.Contains("Mon 9 Mar 2026 09:00 – 17:00: taken", mail.TextBody, StringComparison.Ordinal);
    }

    private async Task<(Site Site, Guid Member, string Email)> SetUpAsync()
    {
        hub.Time.AdjustTime(Now);
        var site = await Workspace.SiteAsync(hub.Admin);
        var email = $"ada-{Guid.NewGuid():N}@example.com";
        var member = (await hub.Admin.PostJsonAsync("/api/v1/members", new { name = "Ada Lovelace", email, homeLocationId = site.LocationId })).Id();
        await hub.Admin.PostJsonAsync($"/api/v1/members/{member}/membership", new { tierId = await Workspace.TierAsync(hub.Admin, Workspace.Terms()), channel = "website" });
        return (site, member, email);
    }

    /// <summary>The mail to <paramref name="address"/>; the hub sends after answering, so it is waited for.</summary>
    private async Task<MimeMessage> MailToAsync(string address)
    {
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            foreach (var file in Directory.Exists(hub.Mailbox) ? Directory.GetFiles(hub.Mailbox, "*.eml") : [])
            {
                var message = await MimeMessage.LoadAsync(file, patience.Token);
                if (message.To.Mailboxes.Any(m => m.Address == address))
                {
                    return message;
                }
            }

            await Task.Delay(50, patience.Token);
        }
    }
}
