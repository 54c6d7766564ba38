using System.Text.Json;
using Coworking.Web.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace Coworking.Web.Tests.Portal;

/// <summary>The portal is installable on a phone: its pages name a web app manifest whose icons the hub serves.</summary>
[Collection(WebCollection.Name)]
public sealed class InstallTests(WebHub web)
{
    [Fact]
    public async Task Portal_page_names_a_manifest_that_starts_at_the_portal_with_192_and_512_pixel_icons()
    {
        var page = await web.NewPageAsync(390, 844);
        await page.GotoAsync("/portal/sign-in");

        var manifest = await page.APIRequest.GetAsync("/portal.webmanifest");
        Assert.True(manifest.Ok, $"manifest: {manifest.Status}");
        using var json = JsonDocument.Parse(await manifest.TextAsync());
        Assert.Equal("/portal", json.RootElement.GetProperty("start_url").GetString());
        Assert.Equal("standalone", json.RootElement.GetProperty("display").GetString());
        var sizes = new List<string>();
        foreach (var icon in json.RootElement.GetProperty("icons").EnumerateArray())
        {
            var image = await page.APIRequest.GetAsync(icon.GetProperty("src").GetString()!);
            Assert.True(image.Ok, $"{icon.GetProperty("src")}: {image.Status}");
            Assert.Equal("image/png", image.Headers["content-type"]);
            sizes.Add(icon.GetProperty("sizes").GetString()!);
        }

        Assert.Equal(["192x192", "512x512"], sizes);
    }

    [Fact]
    public async Task Signed_in_portal_page_links_the_manifest()
    {
        var member = await web.NewMemberAsync("Ines Installer");
        var page = await web.NewPageAsync(390, 844);
        await page.GotoAsync("/portal/sign-in");
        await page.GetByLabel("E-mail address").FillAsync(member.Email);
        await page.GetByRole(Microsoft.Playwright.AriaRole.Button, new() { Name = "E-mail me a sign-in link" }).ClickAsync();
        var link = await web.LinkInMailAsync(member.Email, "/auth/sign-in/");
        await page.GotoAsync(link.PathAndQuery);
        await page.GetByRole(Microsoft.Playwright.AriaRole.Button, new() { Name = "Sign in to the member portal" }).ClickAsync();

        await Expect(page.Locator("link[rel=manifest]")).ToHaveAttributeAsync("href", "/portal.webmanifest");
    }
}
