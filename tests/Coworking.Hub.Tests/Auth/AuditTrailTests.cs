using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Coworking.Hub.Tests.Support;
using OtpNet;

namespace Coworking.Hub.Tests.Auth;

/// <summary>
/// What an admin reads in the audit trail: each write's fields before and after, and every sign-in, failed attempt,
/// sign-out and change to an account's security — through the real hub and its database.
/// </summary>
public sealed class AuditTrailTests(ClockedHubFixture hub) : IClassFixture<ClockedHubFixture>
{
    private const string Password = "correct horse battery staple";

    [Fact]
    public async Task An_update_records_the_fields_it_changed_as_they_were_and_as_they_are()
    {
        var member = (await hub.Admin.PostJsonAsync("/api/v1/members", new { name = "Bea Before", email = $"bea-{Guid.NewGuid():N}@example.com", company = "Old Co" })).Id();

        using (var patch = await hub.Admin.PatchAsync($"/api/v1/members/{member}", JsonContent.Create(new { company = "New Co" })))
        {
            await patch.SuccessBodyAsync();
        }

        var rows = await AuditOfAsync(member);
        var update = Assert.Single(rows, r => r["action"]!.GetValue<string>().StartsWith("PATCH ", StringComparison.Ordinal));
        Assert.Equal("Old Co", update["before"]!["company"]!.GetValue<string>());
        Assert.Equal("New Co", update["after"]!["company"]!.GetValue<string>());
        Assert.Null(update["before"]!["name"]);
        var create = Assert.Single(rows, r => r["action"]!.GetValue<string>().StartsWith("POST ", StringComparison.Ordinal));
        Assert.Null(create["before"]);
        Assert.Equal("Bea Before", create["after"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_new_pin_and_a_revoked_card_show_in_the_trail_without_their_digits()
    {
        var member = (await hub.Admin.PostJsonAsync("/api/v1/members", new { name = "Pip Pinner", email = $"pip-{Guid.NewGuid():N}@example.com" })).Id();
        var pin = (await hub.Admin.PostJsonAsync($"/api/v1/members/{member}/credentials", new { kind = "pin", pin = "583920" })).Id();
        var card = (await hub.Admin.PostJsonAsync($"/api/v1/members/{member}/credentials", new { kind = "card", facilityCode = 17, cardNumber = 48213 })).Id();
        using (var revoke = await hub.Admin.DeleteAsync($"/api/v1/credentials/{card}"))
        {
            Assert.True(revoke.IsSuccessStatusCode);
        }

        var created = Assert.Single(await AuditOfAsync(pin));
        Assert.Equal("[redacted]", created["after"]!["pinHash"]!.GetValue<string>());
        var revoked = Assert.Single(await AuditOfAsync(card), r => r["action"]!.GetValue<string>().StartsWith("DELETE ", StringComparison.Ordinal));
        Assert.Null(revoked["before"]!["revokedAt"]);
        Assert.NotNull(revoked["after"]!["revokedAt"]);
        var everything = (await hub.Admin.GetJsonAsync($"/api/v1/audit-events?objectKind=credentials&limit=200")).ToJsonString();
        Assert.DoesNotContain("583920", everything, StringComparison.Ordinal);
        Assert.DoesNotContain("48213", everything, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sign_in_failures_password_change_and_sign_out_are_in_the_account_trail()
    {
        var (email, id) = await OperatorAsync();
        using var browser = new Browser(hub.BaseAddress);
        using (var wrong = await browser.LoginAsync(email, "not the password at all"))
        {
            await wrong.ProblemAsync(401);
        }

        (await browser.LoginAsync(email, Password)).EnsureSuccessStatusCode();
        using (var change = await browser.Http.PostAsJsonAsync("/auth/password", new { currentPassword = Password, newPassword = "another long passphrase" }))
        {
            Assert.Equal(HttpStatusCode.NoContent, change.StatusCode);
        }

        using (var logout = await browser.Http.PostAsync("/auth/logout", null))
        {
            Assert.Equal(HttpStatusCode.NoContent, logout.StatusCode);
        }

        var rows = await AuditOfAsync(id);
        var failed = Assert.Single(rows, r => Outcome(r) == "wrong_password");
        Assert.Null(failed["actorId"]);
        Assert.Equal("POST /auth/login", failed["action"]!.GetValue<string>());
        Assert.Equal("operators", failed["objectKind"]!.GetValue<string>());
        var signedIn = Assert.Single(rows, r => Outcome(r) == "signed_in");
        Assert.Equal(id, signedIn["actorId"]!.GetValue<Guid>());
        Assert.Single(rows, r => Outcome(r) == "password_changed");
        Assert.Single(rows, r => Outcome(r) == "signed_out");
        var text = string.Join("\n", rows.Select(r => r.ToJsonString()));
        Assert.DoesNotContain("not the password at all", text, StringComparison.Ordinal);
        Assert.DoesNotContain("another long passphrase", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_locked_out_account_and_its_second_factor_show_in_the_trail()
    {
        var (email, id) = await OperatorAsync();
        using (var browser = await new Browser(hub.BaseAddress).SignedInAsync(email, Password))
        {
            var enrolment = await browser.Http.PostJsonAsync("/auth/totp", new { });
            var totp = new Totp(Base32Encoding.ToBytes(enrolment["secret"]!.GetValue<string>()));
            await browser.Http.PostJsonAsync("/auth/totp/confirm", new { code = totp.ComputeTotp(hub.Time.GetUtcNow().UtcDateTime) });
        }

        var attacker = Browser.NewClientAddress();
        for (var i = 0; i < 11; i++)
        {
            using var attempt = await new Browser(hub.BaseAddress, attacker).LoginAsync(email, $"guess number {i}");
            Assert.False(attempt.IsSuccessStatusCode);
        }

        var rows = await AuditOfAsync(id);
        Assert.Single(rows, r => Outcome(r) == "second_factor_enrolled");
        Assert.Equal(10, rows.Count(r => Outcome(r) == "wrong_password"));
        Assert.Contains(rows, r => Outcome(r) == "locked");
    }

    [Fact]
    public async Task Disabling_an_operator_records_when_as_the_change()
    {
        var (_, id) = await OperatorAsync();

        await hub.Admin.PostJsonAsync($"/api/v1/operators/{id}/disable", new { });

        var disabled = Assert.Single(await AuditOfAsync(id), r => r["action"]!.GetValue<string>().EndsWith("/disable", StringComparison.Ordinal));
        Assert.Null(disabled["before"]!["disabledAt"]);
        Assert.NotNull(disabled["after"]!["disabledAt"]);
        Assert.Null(disabled["after"]!["passwordHash"]);
    }

    private static string? Outcome(JsonObject row) => row["changes"]?["outcome"]?.GetValue<string>();

    private async Task<IReadOnlyList<JsonObject>> AuditOfAsync(Guid objectId) =>
        (await hub.Admin.GetJsonAsync($"/api/v1/audit-events?objectId={objectId}&limit=200")).Items();

    private async Task<(string Email, Guid Id)> OperatorAsync()
    {
        var email = $"audited-{Guid.NewGuid():N}@example.com";
        var created = await hub.Admin.PostJsonAsync("/api/v1/operators", new { email, name = "Audie Operator", password = Password, role = "org_admin", locationIds = Array.Empty<Guid>() });
        return (email, created.Id());
    }
}
