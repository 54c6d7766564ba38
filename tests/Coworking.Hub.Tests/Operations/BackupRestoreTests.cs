using System.Collections.Concurrent;
using System.Net;
using Coworking.Hub.Billing;
using Coworking.Hub.Memberships;
using Coworking.Hub.Tests.Support;
using Coworking.Testing;
using Coworking.Testing.Sync;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Coworking.Hub.Tests.Operations;

/// <summary>
/// The backup plan of docs/OPERATIONS.md, proven: a base backup taken while bookings are being made, restored into a new
/// cluster, with a hub started on it, holds every booking and invoice committed before the backup began.
/// </summary>
public sealed class BackupRestoreTests(ClockedHubFixture hub) : IClassFixture<ClockedHubFixture>
{
    [Fact]
    public async Task A_base_backup_taken_under_booking_load_restores_every_booking_and_invoice_committed_before_it()
    {
        var site = await Workspace.SiteAsync(hub.Admin);
        var tier = await Workspace.TierAsync(hub.Admin, Workspace.Terms());
        var members = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            members.Add(await Workspace.MemberAsync(hub.Admin, site.LocationId, tier));
        }

        await hub.Services.GetRequiredService<MembershipStore>().ApplyDueAsync(default);
        var invoices = (await hub.Services.GetRequiredService<InvoiceStore>().IssueDueAsync(default)).Select(i => i.Id).ToList();
        Assert.NotEmpty(invoices);
        var rooms = new List<Guid>();
        for (var i = 0; i < 4; i++)
        {
            rooms.Add(await Workspace.ResourceAsync(hub.Admin, site, "meeting_room"));
        }

        var committed = new ConcurrentQueue<Guid>();
        using var stop = new CancellationTokenSource();
        var load = BookAsync(members, rooms, committed, stop.Token);
        await Eventually.Async(() => Task.FromResult(committed.Count >= 10), "bookings being made");

        var before = committed.ToArray();
        PgCopy restored;
        try
        {
            restored = await PgCopy.BaseBackupAsync((await PostgresServer.SharedAsync()).ConnectionString, PgCopy.Start.AsIs);
        }
        finally
        {
            await stop.CancelAsync();
        }

        var madeInAll = await load;
        await using (restored)
        {
            var restoredHub = HubApp.Build(
            [
                "--urls", "http://127.0.0.1:0",
                $"--ConnectionStrings:Hub={restored.Same(PostgresServer.As(hub.ConnectionString, PostgresServer.HubRole))}",
                $"--ConnectionStrings:Migrations={restored.Same(PostgresServer.As(hub.ConnectionString, PostgresServer.OwnerRole))}",
                "--Serilog:MinimumLevel:Default=Warning",
                "--Billing:RunSchedules=false",
            ]);
            await restoredHub.StartAsync();
            try
            {
                using var client = new HttpClient { BaseAddress = new Uri(restoredHub.Urls.Single()), Timeout = TimeSpan.FromSeconds(30) };
                client.DefaultRequestHeaders.Authorization = hub.Admin.DefaultRequestHeaders.Authorization;
                var missingBookings = await MissingAsync(client, before.Select(id => $"/api/v1/bookings/{id}"));
                var missingInvoices = await MissingAsync(client, invoices.Select(id => $"/api/v1/invoices/{id}"));

                Assert.True(madeInAll > before.Length, "bookings kept being made while the backup ran");
                Assert.Empty(missingBookings);
                Assert.Empty(missingInvoices);
            }
            finally
            {
                await restoredHub.StopAsync();
                await restoredHub.DisposeAsync();
            }
        }
    }

    /// <summary>Books one room-hour after another until stopped; each booking the hub confirmed goes in <paramref name="committed"/>.</summary>
    private async Task<int> BookAsync(IReadOnlyList<Guid> members, IReadOnlyList<Guid> rooms, ConcurrentQueue<Guid> committed, CancellationToken stop)
    {
        var first = hub.Time.GetUtcNow().Date.AddDays(1).AddHours(9);
        for (var i = 0; !stop.IsCancellationRequested; i++)
        {
            var start = new DateTimeOffset(first, TimeSpan.Zero).AddDays(i / (rooms.Count * 8)).AddHours(i / rooms.Count % 8);
            var booking = await hub.Admin.PostJsonAsync("/api/v1/bookings",
                new { memberId = members[i % members.Count], resourceId = rooms[i % rooms.Count], start, end = start.AddHours(1) });
            committed.Enqueue(booking.Id());
        }

        return committed.Count;
    }

    private static async Task<IReadOnlyList<string>> MissingAsync(HttpClient client, IEnumerable<string> paths)
    {
        var missing = new List<string>();
        foreach (var path in paths)
        {
            using var answer = await client.GetAsync(new Uri(path, UriKind.Relative));
            if (answer.StatusCode != HttpStatusCode.OK)
            {
                missing.Add($"{path}: {(int)answer.StatusCode}");
            }
        }

        return missing;
    }
}
