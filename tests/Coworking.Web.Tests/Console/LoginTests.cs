using System.Text.RegularExpressions;
using Coworking.Web.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Coworking.Web.Tests.Console;

/// <summary>An operator logs in to the console, as a person would: by the labels on the form.</summary>
[Collection(WebCollection.Name)]
public sealed class LoginTests(WebHub web)
{
    [Fact]
    public async Task Operator_logs_in_with_the_password_and_sees_the_console()
    {
        var page = await web.NewPageAsync();
        await page.GotoAsync("/console");

        await Expect(page).ToHaveURLAsync(new Regex("/console/login"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Log in to the console" })).ToBeVisibleAsync();
        await page.AssertAccessibleAsync();
        await page.ScreenshotAsync("console-login");

        await page.GetByLabel("E-mail address").FillAsync(WebHub.OperatorEmail);
        await page.GetByLabel("Password").FillAsync(WebHub.OperatorPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex("/console$"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Dashboard", Exact = true })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Navigation, new() { Name = "Console" })).ToBeVisibleAsync();
        await page.AssertAccessibleAsync();
        await page.ScreenshotAsync("console-dashboard");

        await page.GetByRole(AriaRole.Button, new() { Name = "Log out" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/console/login"));
        await page.GotoAsync("/console");
        await Expect(page).ToHaveURLAsync(new Regex("/console/login"));
    }

    [Fact]
    public async Task Wrong_password_shows_an_error_next_to_the_password_field_and_keeps_the_email_address()
    {
        var page = await web.NewPageAsync();
        await page.GotoAsync("/console/login");

        await page.GetByLabel("E-mail address").FillAsync(WebHub.OperatorEmail);
        await page.GetByLabel("Password").FillAsync("not-the-password");
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();

        var password = page.GetByLabel("Password");
        await Expect(password).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(password).ToHaveAccessibleDescriptionAsync(new Regex("Password or e-mail address is not right"));
        await Expect(page.GetByLabel("E-mail address")).ToHaveValueAsync(WebHub.OperatorEmail);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Dashboard" })).ToHaveCountAsync(0);
        await page.AssertAccessibleAsync();
        await page.ScreenshotAsync("console-login-failed");
    }

    [Fact]
    public async Task Console_fits_a_phone_screen()
    {
        var page = await web.NewPageAsync(width: 360, height: 780);
        await page.GotoAsync("/console/login");
        await page.GetByLabel("E-mail address").FillAsync(WebHub.OperatorEmail);
        await page.GetByLabel("Password").FillAsync(WebHub.OperatorPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Dashboard", Exact = true })).ToBeVisibleAsync();

        var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
        Assert.True(overflow <= 0, $"the dashboard is {overflow} px wider than a 360 px phone");
        await page.AssertAccessibleAsync();
        await page.ScreenshotAsync("console-dashboard-phone");
    }
}
