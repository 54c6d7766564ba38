using System.Text.RegularExpressions;
using Coworking.Web.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Coworking.Web.Tests.Portal;

/// <summary>A member signs in without a password: a link by e-mail, then a passkey they added.</summary>
[Collection(WebCollection.Name)]
public sealed class MemberSignInTests(WebHub web)
{
    [Fact]
    public async Task Member_signs_in_through_the_emailed_link_and_lands_in_the_portal()
    {
        var member = await web.NewMemberAsync("Ada Lovelace");
        var page = await web.NewPageAsync();

        await SignInWithLinkAsync(page, member.Email);

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = $"Hello, {member.Name}" })).ToBeVisibleAsync();
        await page.AssertAccessibleAsync();
        await page.ScreenshotAsync("portal-home");
    }

    [Fact]
    public async Task Member_registers_a_passkey_and_later_signs_in_with_it()
    {
        var member = await web.NewMemberAsync("Grace Hopper");
        var page = await web.NewPageAsync();
        // Chromium's virtual authenticator stands in for a phone or a security key: it holds discoverable credentials
        // and verifies its user, as a platform authenticator with a fingerprint reader does.
        var cdp = await page.Context.NewCDPSessionAsync(page);
        await cdp.SendAsync("WebAuthn.enable");
        await cdp.SendAsync("WebAuthn.addVirtualAuthenticator", new Dictionary<string, object>
        {
            ["options"] = new Dictionary<string, object>
            {
                ["protocol"] = "ctap2",
                ["transport"] = "internal",
                ["hasResidentKey"] = true,
                ["hasUserVerification"] = true,
                ["isUserVerified"] = true,
                ["automaticPresenceSimulation"] = true,
            },
        });
        await SignInWithLinkAsync(page, member.Email);

        await page.GetByLabel("Name of the new passkey").FillAsync("Test laptop");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add a passkey" }).ClickAsync();
        var passkeys = page.GetByRole(AriaRole.Region, new() { Name = "Passkeys", Exact = true });
        await Expect(passkeys.GetByRole(AriaRole.Row).Filter(new() { HasText = "Test laptop" })).ToContainTextAsync("Not yet");
        await page.AssertAccessibleAsync();
        await page.ScreenshotAsync("portal-passkeys");

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/portal/sign-in"));
        await page.GotoAsync("/portal");
        await Expect(page).ToHaveURLAsync(new Regex("/portal/sign-in"));

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in with a passkey" }).ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex("/portal$"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = $"Hello, {member.Name}" })).ToBeVisibleAsync();
        await Expect(passkeys.GetByRole(AriaRole.Row).Filter(new() { HasText = "Test laptop" })).Not.ToContainTextAsync("Not yet");
    }

    /// <summary>From the hub's front door to the portal by the e-mailed link, as the member would.</summary>
    private async Task SignInWithLinkAsync(IPage page, string email)
    {
        await page.GotoAsync("/");
        await Expect(page).ToHaveURLAsync(new Regex("/portal/sign-in"));
        await page.AssertAccessibleAsync();
        await page.ScreenshotAsync("portal-sign-in");

        await page.GetByLabel("E-mail address").FillAsync(email);
        await page.GetByRole(AriaRole.Button, new() { Name = "E-mail me a sign-in link" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "sign-in link is on its way" })).ToBeVisibleAsync();

        var link = await web.LinkInMailAsync(email, "/auth/sign-in/");
        await page.GotoAsync(link.ToString());
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in to the member portal" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/portal$"));
    }
}
