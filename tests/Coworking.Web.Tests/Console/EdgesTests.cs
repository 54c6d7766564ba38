using System.Net;
using Coworking.Web.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Coworking.Web.Tests.Console;

/// <summary>The console's edges: enrolment shows the one-time code, the installer's command and its QR code; the front desk is refused.</summary>
[Collection(WebCollection.Name)]
public sealed class EdgesTests(WebHub web)
{
    [Fact]
    public async Task Enrolling_an_edge_shows_the_one_time_code_the_command_and_its_QR_code()
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        var name = $"Campo {tag}";
        var location = await web.NewLocationAsync(name);
        var page = await web.NewPageAsync();
        await WebHub.LogInAsync(page);
        await page.GetByRole(AriaRole.Navigation, new() { Name = "Console" }).GetByRole(AriaRole.Link, new() { Name = "Edges", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Edges", Exact = true })).ToBeVisibleAsync();
        await page.AssertAccessibleAsync();

        await page.GetByLabel("Location of the edge").SelectOptionAsync(new SelectOptionValue { Label = name });
        await page.GetByLabel("Name of the edge box").FillAsync($"Basement rack {tag}");
        await page.GetByRole(AriaRole.Button, new() { Name = "Make an enrolment code" }).ClickAsync();

        var enrolment = page.GetByRole(AriaRole.Region, new() { Name = $"Enrolment code for Basement rack {tag}" });
        await Expect(enrolment).ToBeVisibleAsync();
        var code = (await enrolment.Locator("code.secret").TextContentAsync())!.Trim();
        Assert.False(string.IsNullOrEmpty(code));
        await Expect(enrolment.Locator("pre")).ToContainTextAsync($"coworking-edge enroll --hub {web.Hub.SyncUrl} --code {code}");
        var qr = enrolment.GetByRole(AriaRole.Img, new() { Name = "QR code of the installer's command" });
        await Expect(qr).ToHaveAttributeAsync("src", new System.Text.RegularExpressions.Regex("^data:image/png;base64,"));
        await page.AssertAccessibleAsync();
        await page.ScreenshotAsync("console-edges");

        // The code is the location's, as the API lists it (never with the code itself).
        var codes = await web.GetTextAsync($"/api/v1/locations/{location}/edges/enrolment-codes");
        Assert.Contains($"Basement rack {tag}", codes);
        Assert.DoesNotContain(code, codes);
    }

    [Fact]
    public async Task Front_desk_operator_cannot_see_the_edges_page()
    {
        var location = await web.NewLocationAsync($"Desk {Guid.NewGuid():N}"[..11]);
        const string password = "front-desk-pass-1";
        var desk = await web.NewOperatorAsync("front_desk", password, location);
        var page = await web.NewPageAsync();
        await WebHub.LogInAsync(page, desk, password);

        await Expect(page.GetByRole(AriaRole.Navigation, new() { Name = "Console" }).GetByRole(AriaRole.Link, new() { Name = "Edges" })).ToHaveCountAsync(0);
        var answer = await page.GotoAsync("/console/edges");
        Assert.Equal((int)HttpStatusCode.Forbidden, answer!.Status);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Edges are managed by location managers" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Make an enrolment code" })).ToHaveCountAsync(0);
        await page.AssertAccessibleAsync();
    }
}
