using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using System.Text.Json;
using Coworking.Testing;
using Coworking.Testing.Sync;
using Microsoft.Playwright;
using MimeKit;

namespace Coworking.Web.Tests.Support;

/// <summary>
/// The real hub as a process (as ./run.sh starts it) on its own database of the shared PostgreSQL, with an
/// organisation bootstrapped as ./run.sh does (an admin operator and an admin API key), its e-mails written to a
/// mailbox folder, and Debian's chromium driven by Playwright. One for all browser tests (the <see cref="WebCollection"/>),
/// so the machine starts one hub and one browser; each test opens its own browser context (its own cookies).
/// </summary>
public sealed class WebHub : IAsyncLifetime
{
    public const string OperatorEmail = "owner@web.coworking.test";
    public const string OperatorPassword = "web-owner-pass-1";

    private IPlaywright? playwright;

    private static int lastClient;

    public HubInstance Hub { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>The dev mailbox the hub writes its e-mails to, one .eml file each.</summary>
    public string Mailbox { get; } = Path.Combine(Path.GetTempPath(), $"coworking-web-mailbox-{Guid.NewGuid():N}");

    public string ConnectionString { get; private set; } = "";

    public Guid OrganisationId { get; private set; }

    /// <summary>An organisation-admin API client, for setting up what a test needs through the REST API.</summary>
    public HttpClient Admin { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var server = await PostgresServer.SharedAsync();
        ConnectionString = await server.CreateDatabaseAsync("web");
        var created = await BootstrapAsync();
        OrganisationId = created.GetProperty("organisationId").GetGuid();
        // The billing run every 2 s (not every minute), so an invoice a test needs is issued while it waits.
        Hub = await HubInstance.StartAsync(ConnectionString, [$"--Mail:PickupDirectory={Mailbox}", "--Billing:ScheduleInterval=00:00:02"]);
        Admin = new HttpClient { BaseAddress = Hub.ApiUrl, Timeout = TimeSpan.FromSeconds(60) };
        Admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", created.GetProperty("apiKey").GetString());

        // Playwright drives the system's chromium; it must never fetch a browser of its own.
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        playwright = await Playwright.CreateAsync();
        Browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Args = ["--no-sandbox", "--disable-gpu"],
            Headless = true,
        });
    }

    public async Task DisposeAsync()
    {
        Admin?.Dispose();
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        playwright?.Dispose();
        if (Hub is not null)
        {
            await Hub.DisposeAsync();
        }

        if (Directory.Exists(Mailbox))
        {
            Directory.Delete(Mailbox, recursive: true);
        }
    }

    /// <summary>
    /// The hub as the browser reaches it: localhost rather than 127.0.0.1, because WebAuthn refuses an IP address as
    /// the relying party (passkeys); the hub listens on 127.0.0.1, where localhost leads.
    /// </summary>
    public Uri BrowserUrl => new($"http://localhost:{Hub.ApiUrl.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)}/");

    /// <summary>
    /// A fresh browser context (no cookies) at a phone's or a desk's width, with the hub as its base address and a client
    /// address of its own (X-Forwarded-For, which the hub believes from loopback), so one test's sign-ins do not use up
    /// another's share of the per-address rate limits, as two people's browsers would not.
    /// </summary>
    public Task<IPage> NewPageAsync(int width = 1280, int height = 900) => NewPageAsync(BrowserUrl, width, height);

    /// <summary>A fresh browser context as <see cref="NewPageAsync(int, int)"/>, on another hub (one a test started itself) listening on <paramref name="hubPort"/>.</summary>
    public Task<IPage> NewPageAtAsync(int hubPort) =>
        NewPageAsync(new Uri($"http://localhost:{hubPort.ToString(System.Globalization.CultureInfo.InvariantCulture)}/"), 1280, 900);

    private async Task<IPage> NewPageAsync(Uri hub, int width, int height)
    {
        var client = Interlocked.Increment(ref lastClient);
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = hub.ToString(),
            ViewportSize = new ViewportSize { Width = width, Height = height },
            ExtraHTTPHeaders = new Dictionary<string, string> { ["X-Forwarded-For"] = $"10.88.{client / 250}.{(client % 250) + 1}" },
        });
        context.SetDefaultTimeout(30_000);
        return await context.NewPageAsync();
    }

    /// <summary>
    /// A member of the organisation, made through the REST API; the e-mail address is new each time, its local part the
    /// ASCII letters of the first name ("Zoë" → "zo-…", "Ελένη" → "member-…"): the name is what tests spell, not the address.
    /// </summary>
    public async Task<(Guid Id, string Name, string Email)> NewMemberAsync(string name, Guid? homeLocationId = null)
    {
        var letters = new string([.. name.Split(' ')[0].ToLowerInvariant().Where(char.IsAsciiLetterOrDigit)]);
        var email = $"{(letters.Length > 0 ? letters : "member")}-{Guid.NewGuid():N}@members.coworking.test";
        var member = await PostAsync("/api/v1/members", new { name, email, homeLocationId });
        return (member.GetProperty("id").GetGuid(), name, email);
    }

    /// <summary>A location of the organisation, made through the REST API.</summary>
    public async Task<Guid> NewLocationAsync(string name) =>
        (await PostAsync("/api/v1/locations", new { name, timeZone = "Europe/Lisbon", currency = "EUR", country = "PT" })).GetProperty("id").GetGuid();

    /// <summary>An operator with <paramref name="role"/> over <paramref name="locationIds"/>; answers the e-mail to log in with.</summary>
    public async Task<string> NewOperatorAsync(string role, string password, params Guid[] locationIds)
    {
        var email = $"{role}-{Guid.NewGuid():N}@web.coworking.test";
        await PostAsync("/api/v1/operators", new { email, name = "Manager " + role, password, role, locationIds });
        return email;
    }

    /// <summary>An area with one door at the location, made through the REST API.</summary>
    public async Task<(Guid AreaId, Guid DoorId)> NewDoorAsync(Guid locationId, string areaName, string doorName)
    {
        var area = (await PostAsync($"/api/v1/locations/{locationId}/areas", new { name = areaName })).GetProperty("id").GetGuid();
        var door = (await PostAsync($"/api/v1/locations/{locationId}/doors", new { areaId = area, name = doorName, unlockMs = 3000 })).GetProperty("id").GetGuid();
        return (area, door);
    }

    /// <summary>The organisation-admin API's answer to a GET, as text.</summary>
    public async Task<string> GetTextAsync(string path)
    {
        using var answer = await Admin.GetAsync(new Uri(path, UriKind.Relative));
        var text = await answer.Content.ReadAsStringAsync();
        Assert.True(answer.IsSuccessStatusCode, $"{path}: {text}");
        return text;
    }

    /// <summary>Logs in to the console through the login page, as the operator would.</summary>
    public static async Task LogInAsync(IPage page, string email = OperatorEmail, string password = OperatorPassword)
    {
        await page.GotoAsync("/console/login");
        await page.GetByLabel("E-mail address").FillAsync(email);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Dashboard", Exact = true })).ToBeVisibleAsync();
    }

    /// <summary>POSTs JSON as the organisation admin; fails the test unless it succeeds; the answer.</summary>
    public async Task<JsonElement> PostAsync(string path, object body)
    {
        using var answer = await Admin.PostAsJsonAsync(path, body);
        Assert.True(answer.IsSuccessStatusCode, $"{path}: {await answer.Content.ReadAsStringAsync()}");
        return await answer.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>The text of an e-mail to <paramref name="address"/> that contains <paramref name="containing"/>, once it is sent.</summary>
    public async Task<string> MailTextAsync(string address, string containing)
    {
        var text = "";
        await Eventually.Async(
            async () =>
            {
                foreach (var file in Directory.Exists(Mailbox) ? Directory.GetFiles(Mailbox, "*.eml") : [])
                {
                    var message = await MimeMessage.LoadAsync(file);
                    if (message.To.Mailboxes.Any(m => m.Address == address) && message.TextBody?.Contains(containing, StringComparison.Ordinal) == true)
                    {
                        text = message.TextBody;
                        return true;
                    }
                }

                return false;
            },
            $"an e-mail to {address} saying '{containing}'");
        return text;
    }

    /// <summary>The links to <paramref name="pathPrefix"/> in the e-mails to <paramref name="address"/>, once there are <paramref name="count"/>, in no order.</summary>
    public async Task<IReadOnlyList<Uri>> LinksInMailAsync(string address, string pathPrefix, int count)
    {
        var links = new List<Uri>();
        await Eventually.Async(
            async () =>
            {
                links.Clear();
                foreach (var file in Directory.Exists(Mailbox) ? Directory.GetFiles(Mailbox, "*.eml") : [])
                {
                    var message = await MimeMessage.LoadAsync(file);
                    if (message.To.Mailboxes.Any(m => m.Address == address))
                    {
                        links.AddRange(Regex.Matches(message.TextBody ?? "", @"https?://\S+").Select(m => new Uri(m.Value)).Where(u => u.AbsolutePath.StartsWith(pathPrefix, StringComparison.Ordinal)));
                    }
                }

                return links.Count >= count;
            },
            $"{count} e-mails to {address} with a link to {pathPrefix}");
        return links;
    }

    /// <summary>
    /// The link to a path starting with <paramref name="pathPrefix"/> in the newest e-mail to <paramref name="address"/>
    /// in the mailbox, as the person would click it; the hub sends after answering, so it is waited for.
    /// </summary>
    public async Task<Uri> LinkInMailAsync(string address, string pathPrefix)
    {
        Uri? link = null;
        await Eventually.Async(
            async () =>
            {
                foreach (var file in (Directory.Exists(Mailbox) ? Directory.GetFiles(Mailbox, "*.eml") : []).OrderDescending())
                {
                    var message = await MimeMessage.LoadAsync(file);
                    link = message.To.Mailboxes.Any(m => m.Address == address)
                        ? Regex.Matches(message.TextBody ?? "", @"https?://\S+").Select(m => new Uri(m.Value)).FirstOrDefault(u => u.AbsolutePath.StartsWith(pathPrefix, StringComparison.Ordinal))
                        : null;
                    if (link is not null)
                    {
                        return true;
                    }
                }

                return false;
            },
            $"an e-mail to {address} with a link to {pathPrefix}");
        return link!;
    }

    /// <summary><c>coworking-hub bootstrap</c>, as ./run.sh creates the demo organisation: the answer's JSON.</summary>
    private async Task<JsonElement> BootstrapAsync()
    {
        var dll = Path.Combine(RepoPaths.Root, "hub", "Coworking.Hub", "bin", ChildProcess.BuildConfiguration, "net10.0", "coworking-hub.dll");
        var psi = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        string[] args =
        [
            dll, "bootstrap", "--org", "Web Coworking", "--admin-email", OperatorEmail, "--admin-password", OperatorPassword,
            .. PostgresServer.HubSettings(ConnectionString),
        ];
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        using var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start the hub's bootstrap");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"bootstrap failed ({process.ExitCode}): {await stderr}");
        }

        return JsonDocument.Parse(await stdout).RootElement.Clone();
    }
}

[CollectionDefinition(Name)]
public sealed class WebCollection : ICollectionFixture<WebHub>
{
    public const string Name = "web";
}
