using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Coworking.Hub.Auth;
using Coworking.Hub.Database;
using Coworking.Hub.Organisations;
using Coworking.Hub.Tests.Support;
using Coworking.Testing.Sync;
using Microsoft.Extensions.DependencyInjection;
using OtpNet;

namespace Coworking.Hub.Tests.Auth;

/// <summary>Operators and members sign in to sessions the API honours, through the real hub and its database.</summary>
public sealed class SessionTests(ClockedHubFixture hub) : IClassFixture<ClockedHubFixture>
{
    private const string Password = "correct horse battery staple";

    [Fact]
    public async Task Operator_logs_in_with_the_password_and_the_api_honours_the_session()
    {
        var email = await OperatorAsync("org_admin");
        using var browser = new Browser(hub.BaseAddress);

        using var login = await browser.LoginAsync(email, Password);
        var signedIn = await login.SuccessBodyAsync();
        Assert.Equal("operator", signedIn["actorKind"]!.GetValue<string>());
        var cookie = Assert.Single(browser.Cookies.GetCookies(hub.BaseAddress), c => c.Name == "cw_session");
        Assert.True(cookie.HttpOnly);

        var members = await browser.Http.GetJsonAsync("/api/v1/members");
        Assert.NotNull(members["items"]);
        var created = await browser.Http.PostJsonAsync("/api/v1/members", new { name = "Grace Hopper", email = $"grace-{Guid.NewGuid():N}@example.com" });
        Assert.Equal("Grace Hopper", created["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_bootstrapped_admin_logs_in_with_the_demo_password()
    {
        var email = $"owner-{Guid.NewGuid():N}@demo.coworking.test";
        var organisation = await hub.Services.GetRequiredService<OrganisationStore>().CreateAsync(
            "Demo Coworking", new BootstrapAdmin(email, "demo-owner-pass"), CancellationToken.None);
        using var browser = new Browser(hub.BaseAddress);

        var signedIn = await (await browser.LoginAsync(email, "demo-owner-pass")).SuccessBodyAsync();

        Assert.Equal(organisation.OrganisationId, signedIn["organisationId"]!.GetValue<Guid>());
        Assert.Equal("org_admin", signedIn["role"]!.GetValue<string>());
        await browser.Http.PostJsonAsync("/api/v1/locations", new { name = "Canal Street", timeZone = "Europe/London", currency = "GBP", country = "GB" });
    }

    [Fact]
    public async Task Answers_carry_a_strict_content_security_policy_and_forbid_framing()
    {
        using var client = hub.Client(null);
        using var health = await client.GetAsync("/healthz");

        var policy = string.Join(";", health.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'self'", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", policy, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", policy, StringComparison.Ordinal);
        Assert.Equal("DENY", Assert.Single(health.Headers.GetValues("X-Frame-Options")));
        Assert.Equal("no-referrer", Assert.Single(health.Headers.GetValues("Referrer-Policy")));
        using var panel = await client.GetAsync("/panels/room");
        Assert.DoesNotContain("frame-ancestors 'none'", string.Join(";", panel.Headers.GetValues("Content-Security-Policy")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cookie_write_without_the_antiforgery_token_is_refused()
    {
        var email = await OperatorAsync("org_admin");
        using var browser = new Browser(hub.BaseAddress);
        (await browser.LoginAsync(email, Password)).EnsureSuccessStatusCode();
        browser.DropAntiforgery();
        var before = await hub.CountAsync("members");

        using var forged = await browser.Http.PostAsJsonAsync("/api/v1/members", new { name = "Mallory", email = $"mallory-{Guid.NewGuid():N}@example.com" });

        var problem = await forged.ProblemAsync(400);
        Assert.Contains("X-CSRF-TOKEN", problem.ErrorFields());
        Assert.Equal(before, await hub.CountAsync("members"));
    }

    [Fact]
    public async Task Ten_wrong_passwords_lock_the_account_and_the_client()
    {
        var email = await OperatorAsync("org_admin");
        var other = await OperatorAsync("org_admin");
        var guesser = Browser.NewClientAddress();
        using var attacker = new Browser(hub.BaseAddress, guesser);
        for (var i = 0; i < 10; i++)
        {
            using var wrong = await attacker.LoginAsync(email, $"wrong password {i}");
            await wrong.ProblemAsync(401);
        }

        using (var right = await attacker.LoginAsync(email, Password))
        {
            await right.ProblemAsync(429);
        }

        using (var otherAccountSameClient = await attacker.LoginAsync(other, Password))
        {
            await otherAccountSameClient.ProblemAsync(429);
        }

        using var owner = new Browser(hub.BaseAddress);
        using (var sameAccountOtherClient = await owner.LoginAsync(email, Password))
        {
            await sameAccountOtherClient.ProblemAsync(429);
        }

        using (var otherAccountOtherClient = await owner.LoginAsync(other, Password))
        {
            otherAccountOtherClient.EnsureSuccessStatusCode();
        }

        hub.Time.Advance(TimeSpan.FromMinutes(16));
        using var later = new Browser(hub.BaseAddress);
        (await later.LoginAsync(email, Password)).EnsureSuccessStatusCode();
    }

    [Fact]
    public async Task Unknown_and_known_addresses_get_the_same_answer()
    {
        var email = await OperatorAsync("org_admin");
        using var browser = new Browser(hub.BaseAddress);

        using var known = await browser.LoginAsync(email, "not the password");
        using var unknown = await browser.LoginAsync($"nobody-{Guid.NewGuid():N}@example.com", "not the password");

        Assert.Equal((await known.ProblemAsync(401))["detail"]!.GetValue<string>(), (await unknown.ProblemAsync(401))["detail"]!.GetValue<string>());
        using var resetKnown = await browser.Http.PostAsJsonAsync("/auth/password-reset", new { email });
        using var resetUnknown = await browser.Http.PostAsJsonAsync("/auth/password-reset", new { email = $"nobody-{Guid.NewGuid():N}@example.com" });
        Assert.Equal(HttpStatusCode.Accepted, resetKnown.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, resetUnknown.StatusCode);
    }

    [Fact]
    public async Task A_reset_link_sets_a_new_password_once()
    {
        var email = await OperatorAsync("location_manager");
        using var browser = new Browser(hub.BaseAddress);
        (await browser.Http.PostAsJsonAsync("/auth/password-reset", new { email })).EnsureSuccessStatusCode();
        var link = await Browser.LinkInMailAsync(hub.Mailbox, email, "/auth/password-reset/");

        using var page = await browser.Http.GetAsync(link.PathAndQuery);
        Assert.Contains("New password", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var reset = await browser.Http.PostAsJsonAsync(link.PathAndQuery, new { password = "a brand new passphrase" });
        Assert.Equal(HttpStatusCode.NoContent, reset.StatusCode);
        using var again = await browser.Http.PostAsJsonAsync(link.PathAndQuery, new { password = "someone else's passphrase" });
        await again.ProblemAsync(401);

        using var old = await browser.LoginAsync(email, Password);
        await old.ProblemAsync(401);
        (await browser.LoginAsync(email, "a brand new passphrase")).EnsureSuccessStatusCode();
    }

    [Fact]
    public async Task An_invitation_link_sets_the_first_password_once_and_its_own_mail_says_who_invited()
    {
        var email = await InvitedAsync();
        var message = await MailAsync(email);
        Assert.Equal("Ivy Admin invited you to the Clocked Coworking console", message.Subject);
        var link = await Browser.LinkInMailAsync(hub.Mailbox, email, "/auth/invitation/");
        Assert.DoesNotContain("/auth/password-reset/", message.TextBody, StringComparison.Ordinal);

        using var browser = new Browser(hub.BaseAddress);
        using var page = await browser.Http.GetAsync(link.PathAndQuery);
        Assert.Contains("Accept the invitation", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var accepted = await browser.Http.PostAsJsonAsync(link.PathAndQuery, new { password = "my very own passphrase" });
        Assert.Equal(HttpStatusCode.NoContent, accepted.StatusCode);
        using var again = await browser.Http.PostAsJsonAsync(link.PathAndQuery, new { password = "someone else's passphrase" });
        await again.ProblemAsync(401);
        using var used = await browser.Http.GetAsync(link.PathAndQuery);
        Assert.Equal(HttpStatusCode.Unauthorized, used.StatusCode);
        Assert.Contains("Invitation not valid", await used.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        (await browser.LoginAsync(email, "my very own passphrase")).EnsureSuccessStatusCode();
    }

    [Fact]
    public async Task An_organisation_sends_twenty_operator_invitations_a_day_and_the_twenty_first_is_refused_until_the_day_has_passed()
    {
        var organisation = await hub.Services.GetRequiredService<OrganisationStore>().CreateAsync("Inviting Coworking", null, CancellationToken.None);
        var admin = hub.Client(organisation.ApiKey);
        var location = (await Workspace.SiteAsync(admin, name: $"Site {Guid.NewGuid():N}"[..12])).LocationId;
        var email = $"invited-{Guid.NewGuid():N}@example.com";
        var created = await admin.PostJsonAsync(
            "/api/v1/operators", new { email, name = "Ines Invited", password = "nobody knows this one", role = "front_desk", locationIds = new[] { location } });
        var id = Guid.Parse(created["id"]!.GetValue<string>());
        var links = hub.Services.GetRequiredService<EmailedLinks>();
        var publicUrl = hub.BaseAddress.ToString().TrimEnd('/');
        var sent = new List<bool>();
        bool mayThen, mayNextDay, sentNextDay;
        using (TenantScope.Organisation(organisation.OrganisationId))
        {
            for (var i = 0; i <= EmailedLinks.InvitationsPerDay; i++)
            {
                sent.Add(await links.OperatorInvitationAsync(organisation.OrganisationId, id, "Ivy Admin", publicUrl, CancellationToken.None));
            }

            mayThen = await links.MayInviteAsync(organisation.OrganisationId, CancellationToken.None);
            hub.Time.Advance(TimeSpan.FromDays(1) + TimeSpan.FromMinutes(1));
            mayNextDay = await links.MayInviteAsync(organisation.OrganisationId, CancellationToken.None);
            sentNextDay = await links.OperatorInvitationAsync(organisation.OrganisationId, id, "Ivy Admin", publicUrl, CancellationToken.None);
        }

        // The other organisation of this hub is not held back by this one's invitations.
        using (TenantScope.Organisation(hub.OrganisationId))
        {
            Assert.True(await links.MayInviteAsync(hub.OrganisationId, CancellationToken.None));
        }

        var mailed = 0;
        await Eventually.Async(
            async () =>
            {
                mailed = 0;
                foreach (var file in Directory.GetFiles(hub.Mailbox, "*.eml"))
                {
                    mailed += (await MimeKit.MimeMessage.LoadAsync(file)).To.Mailboxes.Any(m => m.Address == email) ? 1 : 0;
                }

                return mailed >= EmailedLinks.InvitationsPerDay + 1;
            },
            "the invitations are mailed");
        Assert.Equal([.. Enumerable.Repeat(true, EmailedLinks.InvitationsPerDay), false], sent);
        Assert.Equal((false, true, true), (mayThen, mayNextDay, sentNextDay));
        Assert.Equal(EmailedLinks.InvitationsPerDay + 1, mailed);
    }

    [Fact]
    public async Task An_invitation_link_expires_after_three_days()
    {
        var email = await InvitedAsync();
        var link = await Browser.LinkInMailAsync(hub.Mailbox, email, "/auth/invitation/");
        hub.Time.Advance(OneTimeTokens.InvitationLifetime + TimeSpan.FromMinutes(1));

        using var browser = new Browser(hub.BaseAddress);
        using var late = await browser.Http.PostAsJsonAsync(link.PathAndQuery, new { password = "too late a passphrase" });
        await late.ProblemAsync(401);
        using var login = await browser.LoginAsync(email, "too late a passphrase");
        await login.ProblemAsync(401);
    }

    [Fact]
    public async Task Totp_enrolment_then_login_asks_for_the_code()
    {
        var email = await OperatorAsync("org_admin");
        using var browser = new Browser(hub.BaseAddress);
        (await browser.LoginAsync(email, Password)).EnsureSuccessStatusCode();
        var enrolment = await browser.Http.PostJsonAsync("/auth/totp", new { });
        var totp = new Totp(Base32Encoding.ToBytes(enrolment["secret"]!.GetValue<string>()));
        var confirmed = await browser.Http.PostJsonAsync("/auth/totp/confirm", new { code = totp.ComputeTotp(hub.Time.GetUtcNow().UtcDateTime) });
        var recoveryCodes = confirmed["codes"]!.AsArray().Select(c => c!.GetValue<string>()).ToList();
        Assert.Equal(10, recoveryCodes.Count);

        using var second = new Browser(hub.BaseAddress);
        using var firstStep = await second.LoginAsync(email, Password);
        var challenge = await firstStep.SuccessBodyAsync();
        Assert.True(challenge["secondFactorRequired"]!.GetValue<bool>());
        Assert.DoesNotContain(second.Cookies.GetCookies(hub.BaseAddress), c => c.Name == "cw_session");
        using (var replayed = await second.Http.PostAsJsonAsync(
            "/auth/login/second-factor", new { challenge = challenge["challenge"]!.GetValue<string>(), code = totp.ComputeTotp(hub.Time.GetUtcNow().UtcDateTime) }))
        {
            await replayed.ProblemAsync(401);
        }

        hub.Time.Advance(TimeSpan.FromSeconds(30));
        using var secondStep = await second.Http.PostAsJsonAsync(
            "/auth/login/second-factor", new { challenge = challenge["challenge"]!.GetValue<string>(), code = totp.ComputeTotp(hub.Time.GetUtcNow().UtcDateTime) });
        await second.KeepAntiforgeryAsync(secondStep);
        Assert.Equal("operator", (await secondStep.SuccessBodyAsync())["actorKind"]!.GetValue<string>());
        await second.Http.GetJsonAsync("/api/v1/members");

        using var third = new Browser(hub.BaseAddress);
        using var withRecovery = await third.Http.PostAsJsonAsync("/auth/login", new { email, password = Password, recoveryCode = recoveryCodes[0] });
        withRecovery.EnsureSuccessStatusCode();
        using var reused = await new Browser(hub.BaseAddress).Http.PostAsJsonAsync("/auth/login", new { email, password = Password, recoveryCode = recoveryCodes[0] });
        await reused.ProblemAsync(401);
    }

    [Fact]
    public async Task A_revoked_session_is_refused_at_once()
    {
        var email = await OperatorAsync("org_admin");
        using var laptop = new Browser(hub.BaseAddress);
        using var phone = new Browser(hub.BaseAddress);
        (await laptop.LoginAsync(email, Password)).EnsureSuccessStatusCode();
        (await phone.LoginAsync(email, Password)).EnsureSuccessStatusCode();
        await phone.Http.GetJsonAsync("/api/v1/members");

        var sessions = (await laptop.Http.GetJsonAsync("/auth/sessions")).Items();
        Assert.Equal(2, sessions.Count);
        var phoneSession = Assert.Single(sessions, s => !s["current"]!.GetValue<bool>()).Id();
        using (var revoke = await laptop.Http.DeleteAsync($"/auth/sessions/{phoneSession}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        }

        using var refused = await phone.Http.GetAsync("/api/v1/members");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        await laptop.Http.GetJsonAsync("/api/v1/members");
        using (var logout = await laptop.Http.PostAsync("/auth/logout", null))
        {
            Assert.Equal(HttpStatusCode.NoContent, logout.StatusCode);
        }

        using var afterLogout = await laptop.Http.GetAsync("/api/v1/members");
        Assert.Equal(HttpStatusCode.Unauthorized, afterLogout.StatusCode);
    }

    [Fact]
    public async Task A_disabled_operator_is_signed_out_and_cannot_log_in()
    {
        var email = await OperatorAsync("location_manager");
        var id = Assert.Single((await hub.Admin.GetJsonAsync("/api/v1/operators")).Items(), o => o["email"]!.GetValue<string>() == email).Id();
        using var browser = new Browser(hub.BaseAddress);
        (await browser.LoginAsync(email, Password)).EnsureSuccessStatusCode();

        await hub.Admin.PostJsonAsync($"/api/v1/operators/{id}/disable", new { });

        using var refused = await browser.Http.GetAsync("/auth/me");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        using var login = await new Browser(hub.BaseAddress).LoginAsync(email, Password);
        await login.ProblemAsync(401);
        await hub.Admin.PostJsonAsync($"/api/v1/operators/{id}/enable", new { });
        (await new Browser(hub.BaseAddress).LoginAsync(email, Password)).EnsureSuccessStatusCode();
    }

    [Fact]
    public async Task The_front_desk_handles_members_but_not_money_or_configuration()
    {
        var site = await Workspace.SiteAsync(hub.Admin, name: $"Desk {Guid.NewGuid():N}"[..12]);
        var email = await OperatorAsync("front_desk", site.LocationId);
        using var desk = new Browser(hub.BaseAddress);
        (await desk.LoginAsync(email, Password)).EnsureSuccessStatusCode();

        await desk.Http.PostJsonAsync("/api/v1/members", new { name = "Walk In", email = $"walk-{Guid.NewGuid():N}@example.com", homeLocationId = site.LocationId });
        await desk.Http.GetJsonAsync($"/api/v1/locations/{site.LocationId}");
        using var invoices = await desk.Http.GetAsync("/api/v1/invoices");
        await invoices.ProblemAsync(403);
        using var newLocation = await desk.Http.PostAsJsonAsync("/api/v1/locations", new { name = "Annexe", timeZone = "Europe/London", currency = "GBP", country = "GB" });
        await newLocation.ProblemAsync(403);
        using var tier = await desk.Http.PostAsJsonAsync("/api/v1/tiers", new { name = "Cheap", terms = Workspace.Terms() });
        await tier.ProblemAsync(403);
    }

    [Fact]
    public async Task A_member_signs_in_by_the_emailed_link_and_sees_only_their_own_bookings()
    {
        hub.Time.AdjustTime(new DateTimeOffset(2026, 3, 2, 7, 0, 0, TimeSpan.Zero));
        var site = await Workspace.SiteAsync(hub.Admin, name: $"Links {Guid.NewGuid():N}"[..12]);
        var tier = await Workspace.TierAsync(hub.Admin, Workspace.Terms());
        var desk = await Workspace.ResourceAsync(hub.Admin, site, "hot_desk");
        var email = $"ada-{Guid.NewGuid():N}@example.com";
        var ada = (await hub.Admin.PostJsonAsync("/api/v1/members", new { name = "Ada Lovelace", email, homeLocationId = site.LocationId })).Id();
        await hub.Admin.PostJsonAsync($"/api/v1/members/{ada}/membership", new { tierId = tier, channel = "website" });
        var bob = await Workspace.MemberAsync(hub.Admin, site.LocationId, tier);
        var start = new DateTimeOffset(2026, 3, 3, 9, 0, 0, TimeSpan.Zero);
        await hub.Admin.PostJsonAsync("/api/v1/bookings", new { memberId = bob, resourceId = desk, start, end = start.AddHours(2) });
        var adas = await hub.Admin.PostJsonAsync("/api/v1/bookings", new { memberId = ada, resourceId = desk, start = start.AddHours(3), end = start.AddHours(4) });

        using var browser = new Browser(hub.BaseAddress);
        using (var ask = await browser.Http.PostAsJsonAsync("/auth/sign-in-link", new { email }))
        {
            Assert.Equal(HttpStatusCode.Accepted, ask.StatusCode);
        }

        var link = await Browser.LinkInMailAsync(hub.Mailbox, email, "/auth/sign-in/");
        using (var page = await browser.Http.GetAsync(link.PathAndQuery))
        {
            Assert.Contains("Sign in", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using var signIn = await browser.Http.PostAsync(link.PathAndQuery, null);
        await browser.KeepAntiforgeryAsync(signIn);
        Assert.Equal("member", (await signIn.SuccessBodyAsync())["actorKind"]!.GetValue<string>());

        var mine = (await browser.Http.GetJsonAsync("/api/v1/me/bookings")).Items();
        Assert.Equal([adas.Id()], mine.Select(b => b.Id()));
        var booked = await browser.Http.PostJsonAsync("/api/v1/me/bookings", new { resourceId = desk, start = start.AddHours(5), end = start.AddHours(6) });
        Assert.Equal(ada, booked["memberId"]!.GetValue<Guid>());
        Assert.Equal(ada, (await browser.Http.GetJsonAsync("/api/v1/me"))["id"]!.GetValue<Guid>());

        using var operatorRoute = await browser.Http.GetAsync("/api/v1/bookings");
        await operatorRoute.ProblemAsync(403);
        using var someoneElse = await browser.Http.GetAsync($"/api/v1/members/{bob}");
        await someoneElse.ProblemAsync(403);

        using var again = await new Browser(hub.BaseAddress).Http.PostAsync(link.PathAndQuery, null);
        await again.ProblemAsync(401);
    }

    [Fact]
    public async Task A_sign_in_link_ends_after_fifteen_minutes()
    {
        var email = $"late-{Guid.NewGuid():N}@example.com";
        await hub.Admin.PostJsonAsync("/api/v1/members", new { name = "Late Larry", email });
        using var browser = new Browser(hub.BaseAddress);
        (await browser.Http.PostAsJsonAsync("/auth/sign-in-link", new { email })).EnsureSuccessStatusCode();
        var link = await Browser.LinkInMailAsync(hub.Mailbox, email, "/auth/sign-in/");

        hub.Time.Advance(TimeSpan.FromMinutes(16));

        using var late = await browser.Http.PostAsync(link.PathAndQuery, null);
        await late.ProblemAsync(401);
    }

    [Fact]
    public async Task A_write_leaves_an_audit_row_naming_its_actor_and_never_a_secret()
    {
        var email = await OperatorAsync("org_admin");
        using var browser = new Browser(hub.BaseAddress);
        var signedIn = await (await browser.LoginAsync(email, Password)).SuccessBodyAsync();

        var member = (await browser.Http.PostJsonAsync("/api/v1/members", new
        {
            name = "Audrey Audit",
            email = $"audrey-{Guid.NewGuid():N}@example.com",
            credentials = new object[] { new { kind = "pin", pin = "739182" }, new { kind = "card", facilityCode = 42, cardNumber = 31337 } },
        })).Id();

        var audit = Assert.Single((await hub.Admin.GetJsonAsync($"/api/v1/audit-events?objectId={member}")).Items());
        Assert.Equal("operator", audit["actorKind"]!.GetValue<string>());
        Assert.Equal(signedIn["actorId"]!.GetValue<Guid>(), audit["actorId"]!.GetValue<Guid>());
        Assert.StartsWith("POST /api/v1/members", audit["action"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("members", audit["objectKind"]!.GetValue<string>());
        Assert.Equal("Audrey Audit", audit["changes"]!["name"]!.GetValue<string>());
        Assert.DoesNotContain("739182", audit.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain("31337", audit.ToJsonString(), StringComparison.Ordinal);
        using var csv = await hub.Admin.GetAsync($"/api/v1/audit-events/export.csv?objectId={member}");
        Assert.Contains(member.ToString(), await csv.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var manager = await new Browser(hub.BaseAddress).SignedInAsync(await OperatorAsync("location_manager"), Password);
        using var notAdmin = await manager.Http.GetAsync("/api/v1/audit-events");
        await notAdmin.ProblemAsync(403);
    }

    /// <summary>A new front-desk operator invited by e-mail as the console's settings page invites one; its e-mail.</summary>
    private async Task<string> InvitedAsync()
    {
        var location = (await Workspace.SiteAsync(hub.Admin, name: $"Site {Guid.NewGuid():N}"[..12])).LocationId;
        var email = $"invited-{Guid.NewGuid():N}@example.com";
        var created = await hub.Admin.PostJsonAsync(
            "/api/v1/operators", new { email, name = "Ines Invited", password = "nobody knows this one", role = "front_desk", locationIds = new[] { location } });
        var id = Guid.Parse(created["id"]!.GetValue<string>());
        using (TenantScope.Organisation(hub.OrganisationId))
        {
            await hub.Services.GetRequiredService<EmailedLinks>().OperatorInvitationAsync(hub.OrganisationId, id, "Ivy Admin", hub.BaseAddress.ToString().TrimEnd('/'), CancellationToken.None);
        }

        return email;
    }

    private async Task<MimeKit.MimeMessage> MailAsync(string address)
    {
        await Browser.LinkInMailAsync(hub.Mailbox, address, "/auth/invitation/");
        foreach (var file in Directory.GetFiles(hub.Mailbox, "*.eml"))
        {
            var message = await MimeKit.MimeMessage.LoadAsync(file);
            if (message.To.Mailboxes.Any(m => m.Address == address))
            {
                return message;
            }
        }

        throw new InvalidOperationException($"no mail to {address}");
    }

    /// <summary>A new operator with <see cref="Password"/>; its e-mail.</summary>
    private async Task<string> OperatorAsync(string role, params Guid[] locations)
    {
        if (role != "org_admin" && locations.Length == 0)
        {
            locations = [(await Workspace.SiteAsync(hub.Admin, name: $"Site {Guid.NewGuid():N}"[..12])).LocationId];
        }

        var email = $"op-{Guid.NewGuid():N}@example.com";
        await hub.Admin.PostJsonAsync("/api/v1/operators", new { email, name = "Olive Operator", password = Password, role, locationIds = locations });
        return email;
    }
}
