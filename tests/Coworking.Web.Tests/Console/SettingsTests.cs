using System.Net;
using System.Net.Http.Headers;
using Coworking.Web.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Coworking.Web.Tests.Console;

/// <summary>Settings: operators invited by e-mail and disabled, API keys shown once and revoked, the Stripe account write-only, the audit log; admins only.</summary>
[Collection(WebCollection.Name)]
public sealed class SettingsTests(WebHub web)
{
    [Fact]
    public async Task Invited_operator_chooses_a_password_logs_in_and_is_locked_out_when_disabled()
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        var site = $"Staffed {tag}";
        await web.NewLocationAsync(site);
        var name = $"Invitee {tag}";
        var email = $"invitee-{tag}@web.coworking.test";
        var admin = await web.NewPageAsync();
        await WebHub.LogInAsync(admin);
        await admin.GetByRole(AriaRole.Navigation, new() { Name = "Console" }).GetByRole(AriaRole.Link, new() { Name = "Settings", Exact = true }).ClickAsync();
        await Expect(admin.GetByRole(AriaRole.Heading, new() { Name = "Operators", Exact = true })).ToBeVisibleAsync();

        await admin.GetByLabel("Name", new() { Exact = true }).FillAsync(name);
        await admin.GetByLabel("E-mail address").FillAsync(email);
        await admin.GetByLabel("Role").SelectOptionAsync(new SelectOptionValue { Label = "Front desk" });
        await admin.GetByRole(AriaRole.Button, new() { Name = "Send the invitation" }).ClickAsync();
        await Expect(admin.GetByText("Locations must name at least one location")).ToBeVisibleAsync();
        await admin.AssertAccessibleAsync();
        await admin.GetByRole(AriaRole.Checkbox, new() { Name = site }).CheckAsync();
        await admin.GetByRole(AriaRole.Button, new() { Name = "Send the invitation" }).ClickAsync();
        await Expect(admin.GetByRole(AriaRole.Status)).ToContainTextAsync("The invitation is sent");
        var row = admin.GetByRole(AriaRole.Table, new() { Name = "Operators" }).GetByRole(AriaRole.Row).Filter(new() { HasText = email });
        await Expect(row).ToContainTextAsync("Front desk");
        await Expect(row).ToContainTextAsync(site);
        await admin.AssertAccessibleAsync();
        await admin.ScreenshotAsync("console-settings");

        // Sent again before it was accepted: only the newer link works.
        await web.LinkInMailAsync(email, "/auth/invitation/");
        await row.GetByRole(AriaRole.Link, new() { Name = name }).ClickAsync();
        await admin.GetByRole(AriaRole.Button, new() { Name = "Send the invitation again" }).ClickAsync();
        await Expect(admin.GetByRole(AriaRole.Status)).ToContainTextAsync("The invitation is sent again");
        await admin.AssertAccessibleAsync();
        var invitee = await web.NewPageAsync();
        var headings = new Dictionary<string, string>();
        foreach (var link in await web.LinksInMailAsync(email, "/auth/invitation/", 2))
        {
            await invitee.GotoAsync(link.ToString());
            headings[link.ToString()] = await invitee.GetByRole(AriaRole.Heading, new() { Level = 1 }).InnerTextAsync();
        }

        Assert.Equal(["Accept the invitation", "Invitation not valid"], headings.Values.Order());
        var invitation = headings.Single(h => h.Value == "Accept the invitation").Key;

        const string password = "invited-desk-pass-1";
        await invitee.GotoAsync(invitation);
        await Expect(invitee.GetByRole(AriaRole.Heading, new() { Name = "Accept the invitation" })).ToBeVisibleAsync();
        await invitee.GetByLabel("Your password (at least 12 characters)").FillAsync(password);
        await invitee.GetByRole(AriaRole.Button, new() { Name = "Accept and set password" }).ClickAsync();
        await Expect(invitee.GetByRole(AriaRole.Status)).ToContainTextAsync("Welcome: your password is set");
        await invitee.GotoAsync(invitation);
        await Expect(invitee.GetByRole(AriaRole.Heading, new() { Name = "Invitation not valid" })).ToBeVisibleAsync();
        await WebHub.LogInAsync(invitee, email, password);

        await admin.GotoAsync("/console/settings");
        await row.GetByRole(AriaRole.Link, new() { Name = name }).ClickAsync();
        await Expect(admin.GetByRole(AriaRole.Heading, new() { Name = name })).ToBeVisibleAsync();
        await admin.AssertAccessibleAsync();
        await admin.GetByRole(AriaRole.Button, new() { Name = $"Disable {name}" }).ClickAsync();
        await Expect(admin.GetByRole(AriaRole.Status)).ToContainTextAsync("Disabled");
        await invitee.GotoAsync("/console");
        await Expect(invitee.GetByRole(AriaRole.Button, new() { Name = "Log in" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task API_key_is_shown_once_works_until_revoked_and_the_audit_log_records_both()
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        var keyName = $"Export {tag}";
        var page = await web.NewPageAsync();
        await WebHub.LogInAsync(page);
        await page.GotoAsync("/console/settings/api-keys");
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync(keyName);
        await page.GetByLabel("Role").SelectOptionAsync(new SelectOptionValue { Label = "Organisation admin" });
        await page.GetByRole(AriaRole.Button, new() { Name = "Make the key" }).ClickAsync();
        var shown = page.GetByRole(AriaRole.Region, new() { Name = $"New API key {keyName}" });
        await Expect(shown).ToBeVisibleAsync();
        var key = (await shown.Locator("code.secret").TextContentAsync())!.Trim();
        await page.AssertAccessibleAsync();

        using var client = new HttpClient { BaseAddress = web.Hub.ApiUrl };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using (var works = await client.GetAsync(new Uri("/api/v1/locations", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, works.StatusCode);
        }

        await page.GotoAsync("/console/settings/api-keys");
        Assert.DoesNotContain(key, await page.ContentAsync());
        await page.GetByRole(AriaRole.Button, new() { Name = $"Revoke {keyName}" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("The key is revoked");
        await Eventually(async () =>
        {
            using var refused = await client.GetAsync(new Uri("/api/v1/locations", UriKind.Relative));
            return refused.StatusCode == HttpStatusCode.Unauthorized;
        });

        await page.GetByRole(AriaRole.Navigation, new() { Name = "Settings" }).GetByRole(AriaRole.Link, new() { Name = "Audit log" }).ClickAsync();
        await page.GetByLabel("Action").FillAsync("POST /api/v1/api-keys");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        var events = page.GetByRole(AriaRole.Table, new() { Name = "Audit events, newest first" });
        await Expect(events).ToContainTextAsync(keyName);
        await Expect(events).Not.ToContainTextAsync("DELETE /api/v1/api-keys");
        await page.AssertAccessibleAsync();
        await page.ScreenshotAsync("console-audit");
        var csv = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = "Download these events as CSV" }).ClickAsync());
        Assert.Contains(keyName, await File.ReadAllTextAsync((await csv.PathAsync())!));

        await page.GetByLabel("Action").FillAsync("DELETE /api/v1/api-keys/{id:guid}");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Expect(events).ToContainTextAsync("DELETE /api/v1/api-keys/{id:guid}");
    }

    [Fact]
    public async Task Stripe_keys_are_write_only_and_a_manager_is_refused_the_settings()
    {
        var page = await web.NewPageAsync();
        await WebHub.LogInAsync(page);
        await page.GotoAsync("/console/settings/stripe");
        await page.GetByLabel("Secret key").FillAsync("sk_test_console0secret");
        await page.GetByLabel("Webhook signing secret").FillAsync("whsec_console0signing");
        await page.GetByLabel("Publishable key").FillAsync("pk_live_console0public");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save the keys" }).ClickAsync();
        await Expect(page.GetByText("Publishable key is a live key but the secret key is a test key")).ToBeVisibleAsync();
        await Expect(page.GetByLabel("Publishable key")).ToHaveAttributeAsync("aria-invalid", "true");
        await page.AssertAccessibleAsync();

        await page.GetByLabel("Secret key").FillAsync("sk_test_console0secret");
        await page.GetByLabel("Webhook signing secret").FillAsync("whsec_console0signing");
        await page.GetByLabel("Publishable key").FillAsync("pk_test_console0public");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save the keys" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("The keys are saved");
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "Where card payments go" })).ToContainTextAsync("Your organisation's own Stripe account");
        var html = await page.ContentAsync();
        Assert.DoesNotContain("console0secret", html);
        Assert.DoesNotContain("console0signing", html);
        Assert.DoesNotContain("console0secret", await web.GetTextAsync("/api/v1/audit-events?action=PUT%20/api/v1/organisation/stripe-account"));
        await page.GetByRole(AriaRole.Button, new() { Name = "Remove the organisation's Stripe account" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("is removed");

        var location = await web.NewLocationAsync($"Managed {Guid.NewGuid():N}"[..14]);
        const string password = "settings-manager-1";
        var manager = await web.NewOperatorAsync("location_manager", password, location);
        var managerPage = await web.NewPageAsync();
        await WebHub.LogInAsync(managerPage, manager, password);
        await Expect(managerPage.GetByRole(AriaRole.Navigation, new() { Name = "Console" }).GetByRole(AriaRole.Link, new() { Name = "Settings" })).ToHaveCountAsync(0);
        foreach (var path in new[] { "/console/settings", "/console/settings/api-keys", "/console/settings/stripe", "/console/settings/audit" })
        {
            var answer = await managerPage.GotoAsync(path);
            Assert.Equal((int)HttpStatusCode.Forbidden, answer!.Status);
            await Expect(managerPage.GetByRole(AriaRole.Heading, new() { Name = "Settings are for organisation admins" })).ToBeVisibleAsync();
        }

        await managerPage.AssertAccessibleAsync();
    }

    private static Task Eventually(Func<Task<bool>> done) => Coworking.Testing.Sync.Eventually.Async(done, "the revoked key is refused");
}
