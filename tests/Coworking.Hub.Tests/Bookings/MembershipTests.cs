using System.Net.Http.Json;
using Coworking.Hub.Access;
using Coworking.Hub.Tests.Support;
using Coworking.Proto.V1;
using Microsoft.Extensions.DependencyInjection;

namespace Coworking.Hub.Tests.Bookings;

/// <summary>The membership lifecycle and the grants each step leaves at the edges (ARCHITECTURE §3).</summary>
public sealed class MembershipTests(ClockedHubFixture hub) : IClassFixture<ClockedHubFixture>
{
    private static readonly DateTimeOffset Monday = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Joining_a_staffed_hours_tier_narrows_the_membership_grant_to_staffed_hours()
    {
        using var system = Coworking.Hub.Database.TenantScope.System("test: reads and runs as edge sync and the clocks do");
        hub.Time.AdjustTime(Monday);
        var site = await Workspace.SiteAsync(hub.Admin);
        var tier = await Workspace.TierAsync(hub.Admin, Workspace.Terms(("access", "staffed_hours")));
        var member = await HubFixture.CreateMemberAsync(hub.Admin, site.LocationId);

        var joined = await hub.Admin.PostJsonAsync($"/api/v1/members/{member}/membership", new { tierId = tier, channel = "referral" });

        Assert.Equal("referral", joined["channel"]!.GetValue<string>());
        var grant = (await MembershipGrantAsync(site.LocationId, member)).Grant;
        Assert.True(grant.AllDoors);
        Assert.Equal(5, grant.Schedule.Count);
        Assert.All(grant.Schedule, w => Assert.Equal((480, 1080), (w.StartMinute, w.EndMinute)));
    }

    [Fact]
    public async Task Bookings_only_tier_removes_the_membership_grant_and_all_hours_tier_gives_it_back()
    {
        using var system = Coworking.Hub.Database.TenantScope.System("test: reads and runs as edge sync and the clocks do");
        hub.Time.AdjustTime(Monday);
        var site = await Workspace.SiteAsync(hub.Admin);
        var virtualTier = await Workspace.TierAsync(hub.Admin, Workspace.Terms(("kind", "virtual"), ("access", "bookings_only")));
        var resident = await Workspace.TierAsync(hub.Admin, Workspace.Terms(("access", "all_hours")));
        var member = await Workspace.MemberAsync(hub.Admin, site.LocationId, virtualTier);

        var grantId = Changes.MembershipGrantId(member, site.LocationId).ToString();
        Assert.DoesNotContain(await hub.Services.GetRequiredService<ChangeLogStore>().ReadAsync(site.LocationId, 0, 10000, default), c => c.Grant?.GrantId == grantId);

        await hub.Admin.PostJsonAsync($"/api/v1/members/{member}/membership/tier", new { tierId = resident, effective = "now" });

        var grant = (await MembershipGrantAsync(site.LocationId, member)).Grant;
        Assert.True(grant.AllDoors);
        Assert.Empty(grant.Schedule);
    }

    [Fact]
    public async Task Pause_removes_access_and_the_clock_resumes_it_when_the_pause_ends()
    {
        using var system = Coworking.Hub.Database.TenantScope.System("test: reads and runs as edge sync and the clocks do");
        hub.Time.AdjustTime(Monday);
        var site = await Workspace.SiteAsync(hub.Admin);
        var member = await Workspace.MemberAsync(hub.Admin, site.LocationId, await Workspace.TierAsync(hub.Admin, Workspace.Terms()));

        var paused = await hub.Admin.PostJsonAsync($"/api/v1/members/{member}/membership/pause", new { until = Monday.AddDays(14) });

        Assert.Equal("paused", paused["status"]!.GetValue<string>());
        Assert.Equal(Change.KindOneofCase.GrantRemoved, (await MembershipGrantAsync(site.LocationId, member)).KindCase);
        Assert.Equal(HolderStatus.Paused, (await LastHolderAsync(site.LocationId, member)).Status);

        hub.Time.AdjustTime(Monday.AddDays(14).AddMinutes(1));
        await hub.Services.GetRequiredService<Memberships.MembershipStore>().ApplyDueAsync(default);

        var resumed = await hub.Admin.GetJsonAsync($"/api/v1/members/{member}/membership");
        Assert.Equal("active", resumed["status"]!.GetValue<string>());
        Assert.Null(resumed["pausedUntil"]);
        Assert.Equal(Change.KindOneofCase.Grant, (await MembershipGrantAsync(site.LocationId, member)).KindCase);
    }

    [Fact]
    public async Task Downgrade_at_period_end_waits_for_the_period_to_end()
    {
        using var system = Coworking.Hub.Database.TenantScope.System("test: reads and runs as edge sync and the clocks do");
        hub.Time.AdjustTime(Monday);
        var site = await Workspace.SiteAsync(hub.Admin);
        var resident = await Workspace.TierAsync(hub.Admin, Workspace.Terms(("access", "all_hours")));
        var flex = await Workspace.TierAsync(hub.Admin, Workspace.Terms(("access", "staffed_hours")));
        var member = await Workspace.MemberAsync(hub.Admin, site.LocationId, resident);

        var scheduled = await hub.Admin.PostJsonAsync($"/api/v1/members/{member}/membership/tier", new { tierId = flex, effective = "period_end" });

        Assert.Equal(resident, scheduled["tierId"]!.GetValue<Guid>());
        Assert.Equal(flex, scheduled["pendingTierId"]!.GetValue<Guid>());
        // Joined on Monday 2 March (London): the first period ends at local midnight on 2 April (BST, 23:00 UTC on 1 April).
        Assert.Equal(new DateTimeOffset(2026, 4, 1, 23, 0, 0, TimeSpan.Zero), scheduled["periodEnd"]!.GetValue<DateTimeOffset>());
        Assert.Empty((await MembershipGrantAsync(site.LocationId, member)).Grant.Schedule);

        hub.Time.AdjustTime(new DateTimeOffset(2026, 4, 1, 23, 0, 1, TimeSpan.Zero));
        await hub.Services.GetRequiredService<Memberships.MembershipStore>().ApplyDueAsync(default);

        var after = await hub.Admin.GetJsonAsync($"/api/v1/members/{member}/membership");
        Assert.Equal(flex, after["tierId"]!.GetValue<Guid>());
        Assert.Null(after["pendingTierId"]);
        Assert.Equal(new DateTimeOffset(2026, 5, 1, 23, 0, 0, TimeSpan.Zero), after["periodEnd"]!.GetValue<DateTimeOffset>());
        Assert.Equal(5, (await MembershipGrantAsync(site.LocationId, member)).Grant.Schedule.Count);
    }

    [Fact]
    public async Task Cancellation_takes_effect_at_the_first_period_end_after_the_notice_and_then_revokes_access()
    {
        using var system = Coworking.Hub.Database.TenantScope.System("test: reads and runs as edge sync and the clocks do");
        hub.Time.AdjustTime(Monday);
        var site = await Workspace.SiteAsync(hub.Admin);
        var tier = await Workspace.TierAsync(hub.Admin, Workspace.Terms(("noticeDays", 45)));
        var member = await Workspace.MemberAsync(hub.Admin, site.LocationId, tier);

        hub.Time.AdjustTime(Monday.AddDays(1));
        var cancelling = await hub.Admin.PostJsonAsync($"/api/v1/members/{member}/membership/cancel", new { });

        // 45 days from 3 March is 17 April: past the period ending 2 April, so the one ending 2 May (BST).
        var cancelAt = cancelling["cancelAt"]!.GetValue<DateTimeOffset>();
        Assert.Equal(new DateTimeOffset(2026, 5, 1, 23, 0, 0, TimeSpan.Zero), cancelAt);
        Assert.Equal("active", cancelling["status"]!.GetValue<string>());

        hub.Time.AdjustTime(cancelAt.AddSeconds(-1));
        await hub.Services.GetRequiredService<Memberships.MembershipStore>().ApplyDueAsync(default);
        Assert.Equal(Change.KindOneofCase.Grant, (await MembershipGrantAsync(site.LocationId, member)).KindCase);

        hub.Time.AdjustTime(cancelAt);
        await hub.Services.GetRequiredService<Memberships.MembershipStore>().ApplyDueAsync(default);
        Assert.Equal("cancelled", (await hub.Admin.GetJsonAsync($"/api/v1/members/{member}"))["status"]!.GetValue<string>());
        Assert.Equal(Change.KindOneofCase.GrantRemoved, (await MembershipGrantAsync(site.LocationId, member)).KindCase);
        Assert.Equal(HolderStatus.Cancelled, (await LastHolderAsync(site.LocationId, member)).Status);
    }

    [Fact]
    public async Task Reinstating_a_suspended_staffed_hours_member_gives_back_the_staffed_hours_grant()
    {
        using var system = Coworking.Hub.Database.TenantScope.System("test: reads and runs as edge sync and the clocks do");
        hub.Time.AdjustTime(Monday);
        var site = await Workspace.SiteAsync(hub.Admin);
        var member = await Workspace.MemberAsync(hub.Admin, site.LocationId, await Workspace.TierAsync(hub.Admin, Workspace.Terms(("access", "staffed_hours"))));

        await hub.Admin.PostJsonAsync($"/api/v1/members/{member}/suspend", new { });
        Assert.Equal(Change.KindOneofCase.GrantRemoved, (await MembershipGrantAsync(site.LocationId, member)).KindCase);
        await hub.Admin.PostJsonAsync($"/api/v1/members/{member}/reinstate", new { });

        Assert.Equal(5, (await MembershipGrantAsync(site.LocationId, member)).Grant.Schedule.Count);
    }

    [Fact]
    public async Task Joining_twice_is_a_conflict_and_an_unknown_tier_is_named()
    {
        hub.Time.AdjustTime(Monday);
        var site = await Workspace.SiteAsync(hub.Admin);
        var member = await Workspace.MemberAsync(hub.Admin, site.LocationId, await Workspace.TierAsync(hub.Admin, Workspace.Terms()));
        var other = await HubFixture.CreateMemberAsync(hub.Admin, site.LocationId);

        using var twice = await hub.Admin.PostAsJsonAsync($"/api/v1/members/{member}/membership", new { tierId = await Workspace.TierAsync(hub.Admin, Workspace.Terms()), channel = "website" });
        using var unknown = await hub.Admin.PostAsJsonAsync($"/api/v1/members/{other}/membership", new { tierId = Guid.NewGuid(), channel = "walk_in" });
        using var noChannel = await hub.Admin.PostAsJsonAsync($"/api/v1/members/{other}/membership", new { tierId = Guid.NewGuid() });

        await twice.ProblemAsync(409);
        Assert.Equal(["tierId"], (await unknown.ProblemAsync(422)).ErrorFields());
        Assert.Equal(["channel"], (await noChannel.ProblemAsync(400)).ErrorFields());
    }

    private async Task<Change> MembershipGrantAsync(Guid location, Guid member)
    {
        var id = Changes.MembershipGrantId(member, location).ToString();
        var log = await hub.Services.GetRequiredService<ChangeLogStore>().ReadAsync(location, 0, 1000, default);
        return log.Last(c => c.Grant?.GrantId == id || c.GrantRemoved?.GrantId == id);
    }

    private async Task<HolderUpsert> LastHolderAsync(Guid location, Guid holder)
    {
        var log = await hub.Services.GetRequiredService<ChangeLogStore>().ReadAsync(location, 0, 1000, default);
        return log.Last(c => c.Holder?.HolderId == holder.ToString()).Holder;
    }
}
