using Coworking.Hub.Access;
using Coworking.Hub.Bookings;
using Coworking.Hub.Tests.Support;
using Coworking.Proto.V1;
using Coworking.Testing.Sync;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Coworking.Hub.Tests.Bookings;

/// <summary>Credentials of bookings and visits that have ended are revoked after the grace, so edges stop carrying them.</summary>
public sealed class EndedPassCleanupTests(ClockedHubFixture hub) : IClassFixture<ClockedHubFixture>
{
    private static readonly DateTimeOffset Now = new(2026, 3, 2, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Ended_booking_and_visit_lose_their_credentials_and_grants_once_after_the_grace_and_upcoming_ones_keep_them()
    {
        using var system = Coworking.Hub.Database.TenantScope.System("test: reads and runs as edge sync and the clocks do");
        var (site, member, room) = await SetUpAsync();
        var ended = await BookAsync(member, room, Now.AddHours(1));
        var upcoming = await BookAsync(member, room, Now.AddHours(6));
        var visit = (await hub.Admin.PostJsonAsync($"/api/v1/members/{member}/visitors", new
        {
            name = "Charles Babbage", email = "charles@example.com", locationId = site.LocationId, start = Now.AddHours(1), end = Now.AddHours(3),
        })).Id();

        hub.Time.AdjustTime(Now.AddHours(2).AddMinutes(59));
        await CleanUpAsync();
        var withinGrace = await LogAsync(site.LocationId);
        hub.Time.AdjustTime(Now.AddHours(4).AddMinutes(1));
        await Task.WhenAll(CleanUpAsync(), CleanUpAsync());
        await CleanUpAsync();
        var after = await LogAsync(site.LocationId);

        Assert.Empty(Removals(withinGrace, ended));
        Assert.Equal(["credential_revoked", "credential_revoked", "grant_removed", "holder_removed"], Removals(after, ended));
        Assert.Equal(["credential_revoked", "credential_revoked", "grant_removed", "holder_removed"], Removals(after, visit));
        Assert.Empty(Removals(after, upcoming));
    }

    [Fact]
    public async Task Pass_whose_credential_another_instance_holds_is_revoked_whole_once_not_split_in_two()
    {
        using var system = Coworking.Hub.Database.TenantScope.System("test: reads and runs as edge sync and the clocks do");
        var (site, member, room) = await SetUpAsync();
        var ended = await BookAsync(member, room, Now.AddHours(1));
        hub.Time.AdjustTime(Now.AddHours(4));

        // Another instance is busy with the pass's second credential (by id) when this one's round comes.
        await using var other = new NpgsqlConnection(hub.ConnectionString);
        await other.OpenAsync();
        await using var busy = await other.BeginTransactionAsync();
        await using (var hold = new NpgsqlCommand(
            $"SELECT id FROM credentials WHERE id = (SELECT id FROM credentials WHERE pass_holder_id = '{ended}' ORDER BY id OFFSET 1) FOR UPDATE", other, busy))
        {
            Assert.NotNull(await hold.ExecuteScalarAsync());
        }

        var round = CleanUpAsync();
        await Eventually.Async(async () => round.IsCompleted || await hub.WaitingForLocksAsync() > 0, "the round done or waiting for the held credential");
        await busy.CommitAsync();
        await round;
        await CleanUpAsync();

        Assert.Equal(["credential_revoked", "credential_revoked", "grant_removed", "holder_removed"], Removals(await LogAsync(site.LocationId), ended));
    }

    /// <summary>A site with a member on an open tier and a meeting room, the clock at <see cref="Now"/>.</summary>
    private async Task<(Site Site, Guid Member, Guid Room)> SetUpAsync()
    {
        hub.Time.AdjustTime(Now);
        var site = await Workspace.SiteAsync(hub.Admin);
        var member = await Workspace.MemberAsync(hub.Admin, site.LocationId, await Workspace.TierAsync(hub.Admin, Workspace.Terms()));
        return (site, member, await Workspace.ResourceAsync(hub.Admin, site, "meeting_room", "Boardroom"));
    }

    private Task<int> CleanUpAsync() => hub.Services.GetRequiredService<EndedPassCleanup>().RunAsync(default);

    private async Task<Guid> BookAsync(Guid member, Guid resource, DateTimeOffset start) =>
        (await hub.Admin.PostJsonAsync("/api/v1/bookings", new { memberId = member, resourceId = resource, start, end = start.AddHours(1) })).Id();

    /// <summary>The revocations, grant removal and holder removal the log holds for the pass, in order.</summary>
    private static string[] Removals(IReadOnlyList<Change> log, Guid passId)
    {
        var credentials = log.Where(c => c.Credential?.HolderId == passId.ToString()).Select(c => c.Credential.CredentialId).ToHashSet();
        return [.. log.Select(c => c.CredentialRevoked is { } r && credentials.Contains(r.CredentialId) ? "credential_revoked"
                : c.GrantRemoved?.GrantId == passId.ToString() ? "grant_removed"
                : c.HolderRemoved?.HolderId == passId.ToString() ? "holder_removed"
                : null).OfType<string>()];
    }

    private Task<IReadOnlyList<Change>> LogAsync(Guid location) =>
        hub.Services.GetRequiredService<ChangeLogStore>().ReadAsync(location, 0, 5000, default);
}
