using System.IO.Compression;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Coworking.Testing;
using Coworking.Testing.Sync;
using Coworking.Web.Tests.Support;
using Microsoft.Playwright;
using Npgsql;
using static Microsoft.Playwright.Assertions;

namespace Coworking.Web.Tests.Portal;

/// <summary>A member downloads everything the hub holds about them (GDPR): JSON and CSV in one zip.</summary>
[Collection(WebCollection.Name)]
public sealed class MyDataTests(WebHub web)
{
    [Fact]
    public async Task Export_holds_the_members_bookings_invoices_and_access_events_in_json_and_csv()
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        var location = await web.NewLocationAsync($"Data {tag}");
        var (area, door) = await web.NewDoorAsync(location, "Hall", $"Front door {tag}");
        var desk = (await web.PostAsync($"/api/v1/locations/{location}/resources", new { areaId = area, name = $"Desk {tag}", kind = "hot_desk", capacity = 1 })).GetProperty("id").GetGuid();
        var tier = (await web.PostAsync("/api/v1/tiers", new
        {
            name = $"Flex {tag}",
            terms = new { kind = "hot_desk", priceMinor = 9900, currency = "EUR", billingInterval = "monthly", access = "all_hours", allowedResourceKinds = new[] { "hot_desk" } },
        })).GetProperty("id").GetGuid();
        var member = await web.NewMemberAsync($"Ελένη Παππά {tag}", location);
        await web.PostAsync($"/api/v1/members/{member.Id}/membership", new { tierId = tier, channel = "website" });
        var start = DateTimeOffset.UtcNow.Date.AddDays(2).AddHours(9);
        var booking = (await web.PostAsync("/api/v1/bookings", new { memberId = member.Id, resourceId = desk, start, end = start.AddHours(3) })).GetProperty("id").GetGuid();
        await web.AccessEventAsync(location, door, member.Id, "granted", "ok");
        var number = await InvoiceNumberAsync(member.Id);
        var page = await web.NewPageAsync(390, 844);

        await SignInAsync(page, member.Email);
        await page.GetByRole(AriaRole.Link, new() { Name = "My data" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "My data", Exact = true })).ToBeVisibleAsync();
        await page.AssertAccessibleAsync();
        await page.ScreenshotAsync("portal-my-data");
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Button, new() { Name = "Download my data" }).ClickAsync());

        using var zip = new ZipArchive(File.OpenRead((await download.PathAsync())!));
        var json = JsonDocument.Parse(await ReadAsync(zip, "member.json")).RootElement;
        Assert.Equal(member.Email, json.GetProperty("profile")[0].GetProperty("email").GetString());
        Assert.Equal(booking, json.GetProperty("bookings").EnumerateArray().Single().GetProperty("id").GetGuid());
        Assert.Equal(number, json.GetProperty("invoices").EnumerateArray().Single().GetProperty("number").GetString());
        var entered = json.GetProperty("access-events").EnumerateArray().Single();
        Assert.Equal($"Front door {tag}", entered.GetProperty("door").GetString());
        Assert.Equal("granted", entered.GetProperty("decision").GetString());
        Assert.Contains($"Desk {tag}", await ReadAsync(zip, "bookings.csv"), StringComparison.Ordinal);
        Assert.Contains(number, await ReadAsync(zip, "invoices.csv"), StringComparison.Ordinal);
        Assert.StartsWith("occurred_at,location,door,decision,reason", await ReadAsync(zip, "access-events.csv"), StringComparison.Ordinal);
        Assert.Contains($"Ελένη Παππά {tag}", await ReadAsync(zip, "profile.csv"), StringComparison.Ordinal);
        Assert.Contains("member_data_exported", await web.GetTextAsync($"/api/v1/audit-events?objectId={member.Id}"));
    }

    [Fact]
    public async Task Member_asks_to_be_forgotten_and_an_operator_erases_them_everywhere_but_the_invoices()
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        var location = await web.NewLocationAsync($"Forget {tag}");
        var member = await web.NewMemberAsync($"Łukasz Ødegård {tag}", location);
        await web.PostAsync($"/api/v1/members/{member.Id}/credentials", new { kind = "card", facilityCode = 7, cardNumber = (Convert.ToInt32(tag[..4], 16) % 65000) + 1 });
        var page = await web.NewPageAsync(390, 844);
        await SignInAsync(page, member.Email);
        await page.GotoAsync("/portal/my-data");

        await page.GetByRole(AriaRole.Button, new() { Name = "Ask for my data to be erased" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("You asked on");
        await page.AssertAccessibleAsync();

        var console = await web.NewPageAsync();
        await WebHub.LogInAsync(console);
        await console.GotoAsync("/console/members");
        await console.GetByRole(AriaRole.Link, new() { Name = "Erasure requests" }).ClickAsync();
        var waiting = console.GetByRole(AriaRole.Region, new() { Name = "Erasure requests waiting" });
        await Expect(waiting).ToContainTextAsync(member.Email);
        await console.AssertAccessibleAsync();
        await waiting.GetByRole(AriaRole.Button, new() { Name = $"Erase {member.Name}" }).ClickAsync();
        await Expect(console.GetByRole(AriaRole.Status)).ToContainTextAsync("The member is erased");

        await using var conn = new NpgsqlConnection(web.ConnectionString);
        await conn.OpenAsync();
        Assert.Empty(await PersonalDataScan.TablesHoldingAsync(conn, member.Name));
        Assert.Empty(await PersonalDataScan.TablesHoldingAsync(conn, member.Email));
        await using (var live = new NpgsqlCommand("SELECT count(*) FROM credentials WHERE member_id = @id AND revoked_at IS NULL", conn))
        {
            live.Parameters.AddWithValue("id", member.Id);
            Assert.Equal(0L, (long)(await live.ExecuteScalarAsync())!);
        }

        await page.GotoAsync("/portal/my-data");
        await Expect(page).ToHaveURLAsync(new Regex("/portal/sign-in"));
    }

    private static async Task<string> ReadAsync(ZipArchive zip, string name)
    {
        var entry = zip.GetEntry(name);
        Assert.NotNull(entry);
        using var reader = new StreamReader(entry.Open());
        return await reader.ReadToEndAsync();
    }

    private async Task<string> InvoiceNumberAsync(Guid memberId)
    {
        string? number = null;
        await Eventually.Async(
            async () =>
            {
                var found = await web.Admin.GetFromJsonAsync<JsonElement>($"/api/v1/members/{memberId}/invoices");
                number = found.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("number").GetString()).FirstOrDefault();
                return number is not null;
            },
            "the billing run invoices the membership");
        return number!;
    }

    private async Task SignInAsync(IPage page, string email)
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
