using Coworking.Hub.Billing;
using Coworking.Hub.Memberships;
using Coworking.Hub.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Coworking.Hub.Tests.Billing;

/// <summary>The billing clock's schedules with a fake clock: catching up after downtime, the invoice mail, renewal reminders.</summary>
public sealed class ScheduleTests(BillingHubFixture hub) : IClassFixture<BillingHubFixture>
{
    [Fact]
    public async Task Hub_down_for_three_periods_charges_each_missed_period_once_on_the_first_tick()
    {
        hub.Time.AdjustTime(new DateTimeOffset(2026, 1, 10, 9, 0, 0, TimeSpan.Zero));
        var admin = await hub.NewOrganisationAsync();
        var site = await Workspace.SiteAsync(admin);
        var member = await Workspace.MemberAsync(admin, site.LocationId, await Workspace.TierAsync(admin, Workspace.Terms(("priceMinor", 30000)), "Flex"));
        await TickAsync();

        hub.Time.AdjustTime(new DateTimeOffset(2026, 4, 12, 9, 0, 0, TimeSpan.Zero));
        await TickAsync();
        await TickAsync();

        var invoices = (await admin.GetJsonAsync($"/api/v1/members/{member}/invoices")).Items();
        Assert.Equal(2, invoices.Count);
        var catchUp = await admin.GetJsonAsync($"/api/v1/invoices/{invoices[0].Id()}");
        Assert.Equal(
            ["Flex membership, 10 Feb – 9 Mar 2026", "Flex membership, 10 Mar – 9 Apr 2026", "Flex membership, 10 Apr – 9 May 2026"],
            catchUp["lines"]!.AsArray().Select(l => l!["description"]!.GetValue<string>()));
        Assert.Equal(90000, catchUp["grossMinor"]!.GetValue<long>());
    }

    [Fact]
    public async Task Renewal_reminder_is_queued_durably_and_mailed_once_three_days_before_the_period_ends()
    {
        hub.Time.AdjustTime(new DateTimeOffset(2026, 6, 1, 9, 0, 0, TimeSpan.Zero));
        var admin = await hub.NewOrganisationAsync();
        var site = await Workspace.SiteAsync(admin);
        var member = await Workspace.MemberAsync(admin, site.LocationId, await Workspace.TierAsync(admin, Workspace.Terms(), "Resident"));
        var clock = hub.Services.GetRequiredService<BillingClock>();

        hub.Time.AdjustTime(new DateTimeOffset(2026, 6, 26, 9, 0, 0, TimeSpan.Zero));
        var early = await clock.SendRenewalRemindersAsync(default);
        hub.Time.AdjustTime(new DateTimeOffset(2026, 6, 29, 9, 0, 0, TimeSpan.Zero));
        var due = await clock.SendRenewalRemindersAsync(default);
        var again = await clock.SendRenewalRemindersAsync(default);

        Assert.Equal((0, 1, 0), (early, due, again));
        Assert.Equal(1, await hub.CountAsync($"renewal_reminders WHERE member_id = '{member}'"));
        Assert.Equal(1, await hub.CountAsync($"mail_outbox WHERE kind = 'renewal' AND about = 'renewal reminder to member {member}'"));
        var email = (await admin.GetJsonAsync($"/api/v1/members/{member}"))["email"]!.GetValue<string>();
        var message = await MailToAsync(email);
        Assert.StartsWith("Your membership renews on", message.Subject, StringComparison.Ordinal);
        Assert.Contains("Resident membership renews on", message.TextBody ?? string.Empty, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Issued_invoice_is_mailed_to_the_member_with_its_pdf_attached()
    {
        hub.Time.AdjustTime(new DateTimeOffset(2026, 7, 6, 9, 0, 0, TimeSpan.Zero));
        var admin = await hub.NewOrganisationAsync();
        var site = await Workspace.SiteAsync(admin);
        var member = await Workspace.MemberAsync(admin, site.LocationId, await Workspace.TierAsync(admin, Workspace.Terms(("priceMinor", 30000)), "Flex"));
        var email = (await admin.GetJsonAsync($"/api/v1/members/{member}"))["email"]!.GetValue<string>();

        await TickAsync();

        var invoice = Assert.Single((await admin.GetJsonAsync($"/api/v1/members/{member}/invoices")).Items());
        var number = (await admin.GetJsonAsync($"/api/v1/invoices/{invoice.Id()}"))["number"]!.GetValue<string>();
        var message = await MailToAsync(email);
        Assert.Contains(number, message.Subject, StringComparison.Ordinal);
        Assert.Contains("GBP 300.00, due 20 Jul 2026", message.TextBody ?? string.Empty, StringComparison.Ordinal);
        var pdf = Assert.Single(message.Attachments.OfType<MimeKit.MimePart>());
        Assert.Equal($"{number}.pdf", pdf.FileName);
        Assert.NotNull(pdf.Content);
        using var content = new MemoryStream();
        await pdf.Content.DecodeToAsync(content);
        Assert.StartsWith("%PDF-", System.Text.Encoding.ASCII.GetString(content.ToArray(), 0, 5), StringComparison.Ordinal);
    }

    /// <summary>The first message to <paramref name="email"/> in the mail pickup directory, waiting a little for the queue.</summary>
    private async Task<MimeKit.MimeMessage> MailToAsync(string email)
    {
        for (var i = 0; i < 100; i++)
        {
            foreach (var file in Directory.Exists(hub.Mailbox) ? Directory.GetFiles(hub.Mailbox, "*.eml") : [])
            {
                var message = await MimeKit.MimeMessage.LoadAsync(file);
                if (message.To.Mailboxes.Any(m => string.Equals(m.Address, email, StringComparison.OrdinalIgnoreCase)))
                {
                    return message;
                }
            }

            await Task.Delay(100);
        }

        throw new InvalidOperationException($"no mail to {email} in {hub.Mailbox}");
    }

    private async Task TickAsync()
    {
        await hub.Services.GetRequiredService<MembershipStore>().ApplyDueAsync(default);
        await hub.Services.GetRequiredService<BillingClock>().TickAsync(default);
    }
}
