using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MimeKit;

namespace Coworking.Hub.Tests.Support;

/// <summary>
/// A browser as the hub sees it: a cookie jar, its own client address (X-Forwarded-For, which the hub believes from
/// loopback, as from a proxy on the box) and, once signed in, the antiforgery token its writes carry.
/// </summary>
public sealed partial class Browser : IDisposable
{
    private readonly HttpClientHandler handler;

    public Browser(Uri baseAddress, string? clientAddress = null)
    {
        handler = new HttpClientHandler { CookieContainer = Cookies, AllowAutoRedirect = false, UseCookies = true };
        Http = new HttpClient(handler) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
        Http.DefaultRequestHeaders.Add("X-Forwarded-For", clientAddress ?? NewClientAddress());
    }

    public CookieContainer Cookies { get; } = new();

    public HttpClient Http { get; }

    private static int lastClient;

    /// <summary>A client address no other browser of this test run uses, so throttling by address stays per test.</summary>
    public static string NewClientAddress()
    {
        var n = Interlocked.Increment(ref lastClient);
        return $"10.77.{n / 250}.{(n % 250) + 1}";
    }

    /// <summary>POSTs a JSON login; on success keeps the antiforgery token the answer carries.</summary>
    public async Task<HttpResponseMessage> LoginAsync(string email, string password, string? code = null)
    {
        var response = await Http.PostAsJsonAsync("/auth/login", new { email, password, code });
        await KeepAntiforgeryAsync(response);
        return response;
    }

    /// <summary>This browser, logged in (failing the test if the login does not succeed).</summary>
    public async Task<Browser> SignedInAsync(string email, string password)
    {
        using var response = await LoginAsync(email, password);
        response.EnsureSuccessStatusCode();
        return this;
    }

    /// <summary>Keeps the antiforgery token of a sign-in answer (or of GET /auth/antiforgery) for the writes that follow.</summary>
    public async Task KeepAntiforgeryAsync(HttpResponseMessage response)
    {
        if (response.StatusCode != HttpStatusCode.OK || response.Content.Headers.ContentType?.MediaType != "application/json")
        {
            return;
        }

        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        var token = body["antiforgeryToken"]?.GetValue<string>() ?? body["token"]?.GetValue<string>();
        if (token is not null)
        {
            Http.DefaultRequestHeaders.Remove("X-CSRF-TOKEN");
            Http.DefaultRequestHeaders.Add("X-CSRF-TOKEN", token);
        }
    }

    /// <summary>Forgets the antiforgery token, as a forged cross-site request would not have it.</summary>
    public void DropAntiforgery() => Http.DefaultRequestHeaders.Remove("X-CSRF-TOKEN");

    /// <summary>
    /// The link (to a path starting with <paramref name="pathPrefix"/>) in the newest e-mail to <paramref name="address"/>
    /// in the dev mailbox; the hub sends after answering, so it is waited for.
    /// </summary>
    public static async Task<Uri> LinkInMailAsync(string mailbox, string address, string pathPrefix)
    {
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            foreach (var file in (Directory.Exists(mailbox) ? Directory.GetFiles(mailbox, "*.eml") : []).OrderDescending())
            {
                var message = await MimeMessage.LoadAsync(file, patience.Token);
                if (message.To.Mailboxes.Any(m => m.Address == address)
                    && LinkPattern().Matches(message.TextBody ?? string.Empty).Select(m => new Uri(m.Value)).FirstOrDefault(u => u.AbsolutePath.StartsWith(pathPrefix, StringComparison.Ordinal)) is { } link)
                {
                    return link;
                }
            }

            await Task.Delay(50, patience.Token);
        }
    }

    public void Dispose()
    {
        Http.Dispose();
        handler.Dispose();
    }

    [GeneratedRegex(@"https?://\S+")]
    private static partial Regex LinkPattern();
}
