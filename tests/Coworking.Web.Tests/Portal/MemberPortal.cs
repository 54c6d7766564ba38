using System.Text.RegularExpressions;
using Coworking.Web.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Coworking.Web.Tests.Portal;

/// <summary>What the portal's flows share: signing in by the e-mailed link, as the member would.</summary>
internal static class MemberPortal
{
    public static async Task SignInAsync(WebHub web, IPage page, string email)
    {
        await page.GotoAsync("/portal/sign-in");
        await page.GetByLabel("E-mail address").FillAsync(email);
        await page.GetByRole(AriaRole.Button, new() { Name = "E-mail me a sign-in link" }).ClickAsync();
        var link = await web.LinkInMailAsync(email, "/auth/sign-in/");
        await page.GotoAsync(link.PathAndQuery);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in to the member portal" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/portal$"));
    }
}
