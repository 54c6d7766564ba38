using System.Net.Http.Json;
using Coworking.Hub.Access;
using Coworking.Hub.Billing;
using Coworking.Hub.Bookings;
using Coworking.Hub.Tests.Support;
using Coworking.Proto.V1;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Coworking.Hub.Tests.Access;

/// <summary>
/// The access compiler: membership grants that end with the paid period plus the location's grace, only differences in
/// the log, and pass holders that leave the edges once their pass is over, so what an edge holds stays what is live.
/// </summary>
public sealed class AccessCompilerTests(ClockedHubFixture hub) : IClassFixture<ClockedHubFixture>
{
    /// <summary>Monday 2 March 2026, 09:00 in London (GMT); the first monthly period ends at local midnight starting 2 April (BST).</summary>
    private static readonly DateTimeOffset Monday = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset FirstPeriodEnd = new(2026, 4, 1, 23, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Unpaid_first_period_lasts_the_grace_from_joining_and_paying_it_extends_the_grant_to_the_period_end_plus_the_grace()
    {
        using var system = Coworking.Hub.Database.TenantScope.System("test: reads and runs as edge sync and the clocks do");
        var (site, member) = await MemberAsync(Workspace.Terms());
        var unpaid = (await MembershipGrantAsync(site, member)).Grant;

        var invoice = await InvoiceAsync(member);
        await hub.Admin.PostJsonAsync($"/api/v1/invoices/{invoice}/payments", new { method = "bank_transfer", reference = "BACS 1" });
        var paid = (await MembershipGrantAsync(site, member)).Grant;

        Assert.Equal(Monday.AddDays(3), unpaid.ValidUntil.ToDateTimeOffset());
        Assert.Equal(Monday, unpaid.ValidFrom.ToDateTimeOffset());
        Assert.Equal(FirstPeriodEnd.AddDays(3), paid.ValidUntil.ToDateTimeOffset());
    }

    [Fact]
    public async Task Member_who_never_joined_holds_no_membership_grant_and_one_whose_membership_ended_loses_it()
    {
        using var system = Coworking.Hub.Database.TenantScope.System("test: reads and runs as edge sync and the clocks do");
        var (site, ended) = await MemberAsync(Workspace.Terms());
        var never = await Workspace.MemberAsync(hub.Admin, site.LocationId, null);
        await hub.Admin.PostJsonAsync($"/api/v1/members/{never}/credentials", new { kind = "card", facilityCode = 12, cardNumber = 3456 });

        var cancelling = await hub.Admin.PostJsonAsync($"/api/v1/members/{ended}/membership/cancel", new { });
        hub.Time.AdjustTime(cancelling["cancelAt"]!.GetValue<DateTimeOffset>().AddMinutes(1));
        await hub.Services.GetRequiredService<Memberships.MembershipStore>().ApplyDueAsync(default);
        var log = await LogAsync(site);

        Assert.Contains(log, c => c.Credential?.HolderId == never.ToString());
        Assert.DoesNotContain(log, c => c.Grant?.HolderId == never.ToString());
        Assert.Equal(Change.KindOneofCase.GrantRemoved, (await MembershipGrantAsync(site, ended)).KindCase);
        Assert.Equal(HolderStatus.Cancelled, log.Last(c => c.Holder?.HolderId == ended.ToString()).Holder.Status);
    }

    [Fact]
    public async Task Location_grace_is_configurable_and_a_new_grace_reissues_the_grants_of_its_members()
    {
        using var system = Coworking.Hub.Database.TenantScope.System("test: reads and runs as edge sync and the clocks do");
        var (site, member) = await MemberAsync(Workspace.Terms());
        var manager = await hub.LocationManagerAsync(site.LocationId);
        var elsewhere = await hub.LocationManagerAsync((await Workspace.SiteAsync(hub.Admin, name: $"Else {Guid.NewGuid():N}"[..12])).LocationId);

        var before = await manager.GetJsonAsync($"/api/v1/locations/{site.LocationId}/access-grace");
        using var set = await manager.PutAsJsonAsync($"/api/v1/locations/{site.LocationId}/access-grace", new { days = 7 });
        using var tooLong = await manager.PutAsJsonAsync($"/api/v1/locations/{site.LocationId}/access-grace", new { days = 61 });
        using var outside = await elsewhere.PutAsJsonAsync($"/api/v1/locations/{site.LocationId}/access-grace", new { days = 1 });

        Assert.Equal(3, before["days"]!.GetValue<int>());
        Assert.Equal(7, (await set.SuccessBodyAsync())["days"]!.GetValue<int>());
        Assert.Equal(["days"], (await tooLong.ProblemAsync(400)).ErrorFields());
        await outside.ProblemAsync(404);
        Assert.Equal(Monday.AddDays(7), (await MembershipGrantAsync(site, member)).Grant.ValidUntil.ToDateTimeOffset());
    }

    [Fact]
    public async Task Free_trial_period_is_paid_as_it_is_invoiced_and_its_grant_runs_to_the_period_end_plus_the_grace()
    {
        using var system = Coworking.Hub.Database.TenantScope.System("test: reads and runs as edge sync and the clocks do");
        var (site, member) = await MemberAsync(Workspace.Terms(("priceMinor", 0)));

        await InvoiceAsync(member);

        Assert.Equal(FirstPeriodEnd.AddDays(3), (await MembershipGrantAsync(site, member)).Grant.ValidUntil.ToDateTimeOffset());
    }

    [Fact]
    public async Task Pause_and_suspension_end_the_grant_and_a_change_that_touches_no_access_appends_nothing()
    {
        using var system = Coworking.Hub.Database.TenantScope.System("test: reads and runs as edge sync and the clocks do");
        var (site, member) = await MemberAsync(Workspace.Terms());
        var before = await LogAsync(site);

        using var renamed = await hub.Admin.PatchAsJsonAsync($"/api/v1/members/{member}", new { name = "Ada King" });
        await renamed.SuccessBodyAsync();
        var afterRename = await LogAsync(site);
        await hub.Admin.PostJsonAsync($"/api/v1/members/{member}/suspend", new { });
        var suspended = await MembershipGrantAsync(site, member);
        await hub.Admin.PostJsonAsync($"/api/v1/members/{member}/reinstate", new { });
        await hub.Admin.PostJsonAsync($"/api/v1/members/{member}/membership/pause", new { until = Monday.AddDays(10) });
        var paused = await MembershipGrantAsync(site, member);

        Assert.Equal(before.Count, afterRename.Count);
        Assert.Equal(Change.KindOneofCase.GrantRemoved, suspended.KindCase);
        Assert.Equal(Change.KindOneofCase.GrantRemoved, paused.KindCase);
    }

    [Fact]
    public async Task Cancelled_booking_and_removed_resource_take_their_pass_holders_off_the_edges()
    {
        using var system = Coworking.Hub.Database.TenantScope.System("test: reads and runs as edge sync and the clocks do");
        var (site, member) = await MemberAsync(Workspace.Terms());
        var room = await Workspace.ResourceAsync(hub.Admin, site, "meeting_room");
        var cancelled = await BookAsync(member, room, Monday.AddHours(2));
        var onRemovedRoom = await BookAsync(member, room, Monday.AddHours(4));

        await hub.Admin.PostJsonAsync($"/api/v1/bookings/{cancelled}/cancel", new { });
        using var removed = await hub.Admin.DeleteAsync($"/api/v1/resources/{room}");
        Assert.True(removed.IsSuccessStatusCode);
        var log = await LogAsync(site);

        Assert.Equal(["credential_revoked", "credential_revoked", "grant_removed", "holder_removed"], RemovalsOf(log, cancelled));
        Assert.Equal(["credential_revoked", "credential_revoked", "grant_removed", "holder_removed"], RemovalsOf(log, onRemovedRoom));
    }

    [Fact]
    public async Task A_year_of_daily_bookings_leaves_the_edges_only_what_is_live()
    {
        using var system = Coworking.Hub.Database.TenantScope.System("test: reads and runs as edge sync and the clocks do");
        var (site, member) = await MemberAsync(Workspace.Terms(("priceMinor", 0)));
        var room = await Workspace.ResourceAsync(hub.Admin, site, "meeting_room");
        var cleanup = hub.Services.GetRequiredService<EndedPassCleanup>();
        var afterOneDay = 0;
        for (var day = 0; day < 365; day++)
        {
            hub.Time.AdjustTime(Monday.AddDays(day));
            await BookAsync(member, room, Monday.AddDays(day).AddHours(1));
            await cleanup.RunAsync(default);
            if (day == 1)
            {
                afterOneDay = await SnapshotSizeAsync(site);
            }
        }

        var afterOneYear = await SnapshotSizeAsync(site);
        await using var superuser = Npgsql.NpgsqlDataSource.Create(hub.ConnectionString);
        var sent = await superuser.CreateCommand(
            $"SELECT count(*) FROM access_sent WHERE location_id = '{site.LocationId}'").ExecuteScalarAsync();

        // The location, its door, the member (holder, grant) and today's booking (holder, PIN, QR, grant).
        Assert.Equal(8, afterOneYear);
        Assert.Equal(afterOneDay, afterOneYear);
        Assert.Equal(6L, sent);
    }

    [Fact]
    public async Task Grant_sent_open_ended_before_the_upgrade_is_given_its_end_when_the_hub_starts()
    {
        using var system = Coworking.Hub.Database.TenantScope.System("test: reads and runs as edge sync and the clocks do");
        var (site, member) = await MemberAsync(Workspace.Terms());
        var backfill = hub.Services.GetRequiredService<OpenEndedGrantBackfill>();
        Assert.Equal(0, await backfill.RunAsync(default));

        // As an edge of a hub from before membership grants ended was sent it: the same grant, without validUntil.
        await using (var superuser = new NpgsqlConnection(hub.ConnectionString))
        {
            await superuser.ExecuteAsync(
                "UPDATE access_sent SET payload = payload #- '{grant,validUntil}' WHERE holder_id = @member AND entity LIKE 'grant:%'", new { member });
        }

        Assert.Equal(1, await backfill.RunAsync(default));
        var grant = (await MembershipGrantAsync(site, member)).Grant;
        Assert.Equal(Monday.AddDays(3), grant.ValidUntil.ToDateTimeOffset());
        Assert.Equal(0, await backfill.RunAsync(default));
    }

    private async Task<(Site Site, Guid Member)> MemberAsync(System.Text.Json.Nodes.JsonObject terms)
    {
        hub.Time.AdjustTime(Monday);
        var site = await Workspace.SiteAsync(hub.Admin, name: $"Site {Guid.NewGuid():N}"[..12]);
        return (site, await Workspace.MemberAsync(hub.Admin, site.LocationId, await Workspace.TierAsync(hub.Admin, terms)));
    }

    private async Task<Guid> InvoiceAsync(Guid member)
    {
        await hub.Services.GetRequiredService<InvoiceStore>().IssueDueAsync(default);
        return Assert.Single((await hub.Admin.GetJsonAsync($"/api/v1/members/{member}/invoices")).Items()).Id();
    }

    private async Task<Guid> BookAsync(Guid member, Guid resource, DateTimeOffset start) =>
        (await hub.Admin.PostJsonAsync("/api/v1/bookings", new { memberId = member, resourceId = resource, start, end = start.AddHours(1) })).Id();

    private async Task<Change> MembershipGrantAsync(Site site, Guid member)
    {
        var id = Changes.MembershipGrantId(member, site.LocationId).ToString();
        return (await LogAsync(site)).Last(c => c.Grant?.GrantId == id || c.GrantRemoved?.GrantId == id);
    }

    private async Task<int> SnapshotSizeAsync(Site site)
    {
        var size = 0;
        await foreach (var part in hub.Services.GetRequiredService<ChangeLogStore>().ReadSnapshotAsync(site.LocationId, 2000, default))
        {
            size += part.Changes.Count;
        }

        return size;
    }

    private static string[] RemovalsOf(IReadOnlyList<Change> log, Guid passId)
    {
        var credentials = log.Where(c => c.Credential?.HolderId == passId.ToString()).Select(c => c.Credential.CredentialId).ToHashSet();
        return [.. log.Select(c => c.CredentialRevoked is { } r && credentials.Contains(r.CredentialId) ? "credential_revoked"
                : c.GrantRemoved?.GrantId == passId.ToString() ? "grant_removed"
                : c.HolderRemoved?.HolderId == passId.ToString() ? "holder_removed"
                : null).OfType<string>()];
    }

    private Task<IReadOnlyList<Change>> LogAsync(Site site) =>
        hub.Services.GetRequiredService<ChangeLogStore>().ReadAsync(site.LocationId, 0, 10000, default);
}
