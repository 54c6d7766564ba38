using System.Globalization;
using System.Text;
using System.Text.Json;
using Coworking.Testing.Sync;
using MQTTnet;
using MQTTnet.Protocol;
using Npgsql;
using Xunit.Abstractions;

namespace Coworking.EndToEnd.Tests.Sync;

/// <summary>
/// The soak of issue 20 ("offline for a week", docs/EDGE.md §7): the real edge, cut off from the hub for seven days of
/// its clock, under the badges of a coworking week at the simulated OSDP reader and 50 sensors publishing to its MQTT
/// broker, then the hub back. Hub and edge run on one libfaketime clock (<see cref="EdgeClock"/>) that the test steps an
/// hour at a time (between the steps it runs at real pace), so a week takes a few minutes and every badge happens at an
/// instant the test chose. The outbox is given a 2 MiB budget, which a week of 25 rooms' readings overflows many times.
/// </summary>
[Collection(SyncCollection.Name)]
public sealed class OfflineWeekTests(ITestOutputHelper output)
{
    private const long OutboxBudget = 2 * 1024 * 1024;
    private const int Rooms = 25;
    private const int Regulars = 200;
    private const int RegularCardBase = 5000;
    private const string Gateway = "z2m-bridge";
    private const string GatewayPassword = "week-long-secret";
    private static readonly TimeSpan Week = TimeSpan.FromDays(7);
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task A_week_offline_under_badges_and_sensors_expires_grants_on_time_keeps_the_outbox_in_its_budget_and_delivers_every_event_once()
    {
        using var clock = new EdgeClock(cacheSeconds: 1);
        var mqttPort = FreePort.Next();
        var edgeSettings = new Dictionary<string, string>(clock.Environment)
        {
            ["Edge__Sensors__Mode"] = "embedded",
            ["Edge__Sensors__Port"] = mqttPort.ToString(CultureInfo.InvariantCulture),
            ["Edge__Sensors__Gateways__0__Username"] = Gateway,
            ["Edge__Sensors__Gateways__0__Password"] = GatewayPassword,
            ["Edge__Outbox__MaxBytes"] = OutboxBudget.ToString(CultureInfo.InvariantCulture),
            // The default 4,096-event segments scaled down with the budget (256 MiB → 2 MiB), so a compaction frees room.
            ["Edge__Outbox__SegmentSize"] = "1000",
        };
        await using var site = await SyncSite.StartAsync(edgeSettings: edgeSettings, hubEnvironment: clock.Environment);
        try
        {
            await WeekAsync(site, clock, mqttPort);
        }
        catch
        {
            output.WriteLine(site.Edge.Output);
            throw;
        }
    }

    private async Task WeekAsync(SyncSite site, EdgeClock clock, int mqttPort)
    {
        // The building: 200 regulars with open grants, Ada on an unpaid membership (it ends at joining + the grace,
        // mid-week), 25 rooms behind the front door each with a presence and a CO2 sensor, and a booking of Ada's.
        await ChangeLogWriter.AppendMembersAsync(site.Api.ConnectionString, site.LocationId, Regulars, firstCard: RegularCardBase);
        var joined = (await site.Api.GetAsync($"/api/v1/members/{site.AdaId}/membership")).GetProperty("joinedAt").GetDateTimeOffset();
        var grace = (await site.Api.GetAsync($"/api/v1/locations/{site.LocationId}/access-grace")).GetProperty("days").GetInt32();
        var adaUntil = joined.AddDays(grace);
        var area = await site.Api.AreaOfDoorAsync(site.DoorId);
        var rooms = new List<Guid>();
        for (var r = 0; r < Rooms; r++)
        {
            var room = await site.Api.CreateRoomAsync(site.LocationId, area, $"Room {r + 1}");
            rooms.Add(room);
            foreach (var kind in new[] { "presence", "co2" })
            {
                await site.Api.PostAsync($"/api/v1/locations/{site.LocationId}/sensors", new
                {
                    name = $"Room {r + 1} {kind}", kind, adapter = "zigbee2mqtt", topic = Topic(r, kind), resourceId = room, timeoutSeconds = 7200,
                });
            }
        }

        var now = DateTimeOffset.UtcNow;
        var weekStart = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero).AddHours(1);
        var weekEnd = weekStart + Week;
        var bookingStart = new DateTimeOffset(weekStart.Date, TimeSpan.Zero).AddDays(4).AddHours(10).AddMinutes(15);
        var bookingEnd = bookingStart.AddHours(1);
        var pin = (await site.Api.BookAsync(site.AdaId, rooms[0], bookingStart, bookingEnd)).GetProperty("pin").GetString()!;
        Assert.InRange(adaUntil, weekStart.AddDays(1), weekEnd.AddDays(-1));

        await site.SyncedAsync();
        await site.Edge.WaitForStatusAsync(
            s => s.GetProperty("sensors") is { ValueKind: JsonValueKind.Object } sensors && sensors.GetProperty("connected").GetBoolean()
                 && sensors.GetProperty("sensors").GetArrayLength() == 2 * Rooms,
            "the 50 sensors configured at the edge, its broker listening");
        using var bridge = new MqttClientFactory().CreateMqttClient();
        // Without keep-alive: the broker times keep-alive by the wall clock, and each step of it would look like an hour of silence.
        await bridge.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", mqttPort).WithClientId("zigbee2mqtt")
            .WithCredentials(Gateway, GatewayPassword).WithKeepAlivePeriod(TimeSpan.Zero).Build());
        var published = await PublishAsync(site, bridge, 0, busy: false);
        await site.Edge.WaitForEmptyOutboxAsync();
        var before = await HubCountsAsync(site);
        var uploadedBefore = (await site.Edge.SyncAsync()).GetProperty("eventsUploaded").GetInt64();

        await site.Hub.KillAsync();
        await site.Edge.WaitForConnectedAsync(false);

        var moments = new List<(DateTimeOffset At, Func<Task> Run)>();
        var expected = new List<(string Shown, string Reason)>();
        var seen = new List<(string Shown, string Reason)>();
        var badgeNumber = 0;
        var largestOutboxFile = 0L;
        var largestOutboxLog = 0L;
        for (var hour = 0; hour < Week.TotalHours; hour++)
        {
            var at = weekStart.AddHours(hour);
            var step = hour;
            moments.Add((at, async () =>
            {
                var busy = IsBusy(at);
                published += await PublishAsync(site, bridge, step, busy);
                var badges = busy ? 6 : at.Hour is >= 7 and < 22 ? 1 : 0;
                for (var b = 0; b < badges; b++)
                {
                    var card = $"77:{RegularCardBase + (badgeNumber++ * 37 % Regulars)}";
                    seen.Add(await BadgeAsync(site, card));
                    expected.Add(("granted", "granted"));
                }

                if (busy && at.Hour == 12)
                {
                    // Someone tries an old card once a working day.
                    seen.Add(await BadgeAsync(site, "77:65000"));
                    expected.Add(("denied", "unknown_credential"));
                }

                if (busy && (at <= adaUntil.AddMinutes(-10) || at >= adaUntil))
                {
                    seen.Add(await BadgeAsync(site, SyncSite.AdaCard));
                    expected.Add(at < adaUntil ? ("granted", "granted") : ("denied", "expired"));
                }

                largestOutboxFile = Math.Max(largestOutboxFile, OutboxFileBytes(site.Edge));
                largestOutboxLog = Math.Max(largestOutboxLog, OutboxLogBytes(site.Edge));
            }));
        }

        void Probe(DateTimeOffset at, Func<Task<(string, string)>> present, (string, string) outcome) => moments.Add((at, async () =>
        {
            seen.Add(await present());
            expected.Add(outcome);
        }));

        Probe(adaUntil.AddMinutes(-1), () => BadgeAsync(site, SyncSite.AdaCard), ("granted", "granted"));
        Probe(adaUntil.AddMinutes(1), () => BadgeAsync(site, SyncSite.AdaCard), ("denied", "expired"));
        Probe(bookingStart.AddMinutes(-6), () => KeypadAsync(site, pin), ("denied", "not_yet_valid"));
        Probe(bookingStart.AddMinutes(-4), () => KeypadAsync(site, pin), ("granted", "granted"));
        Probe(bookingEnd.AddMinutes(-1), () => KeypadAsync(site, pin), ("granted", "granted"));
        Probe(bookingEnd.AddMinutes(1), () => KeypadAsync(site, pin), ("denied", "expired"));

        foreach (var (at, run) in moments.OrderBy(m => m.At))
        {
            await MoveAsync(site.Edge, clock, at);
            await run();
        }

        // The week is over: the windows up to its end close, and nothing more is recorded before the next boundary.
        await MoveAsync(site.Edge, clock, weekEnd.AddSeconds(5));
        var outbox = (await site.Edge.StatusAsync()).GetProperty("outbox");
        largestOutboxFile = Math.Max(largestOutboxFile, OutboxFileBytes(site.Edge));
        output.WriteLine($"after the week: outbox {outbox}, largest outbox file {largestOutboxFile} bytes and log {largestOutboxLog} bytes, {seen.Count} presentations, {published} sensor messages");

        await site.Hub.StartAsync();
        await site.Edge.WaitForConnectedAsync(true);
        await Eventually.Async(() => HoldsLastWindowsAsync(site, weekEnd - Window), "every room's last window of the week at the hub", () => site.Edge.Output);
        await site.Edge.WaitForEmptyOutboxAsync();
        var after = await HubCountsAsync(site);
        var uploaded = (await site.Edge.SyncAsync()).GetProperty("eventsUploaded").GetInt64() - uploadedBefore;
        // The outbox was at its budget when the week ended: an event recorded since (a door or reader event, a window)
        // may have dropped more of the oldest readings before they went up.
        var droppedSince = (await site.Edge.StatusAsync()).GetProperty("outbox").GetProperty("droppedSensorReadings").GetInt64()
            - outbox.GetProperty("droppedSensorReadings").GetInt64();

        // Every decision of the week is at the hub once, in the order the door made them: none was dropped for the budget.
        Assert.Equal(expected.Select(e => e.Reason), await site.Api.AccessReasonsAsync(site.Edge.EdgeId));
        // What the reader showed, where it showed something within the sim's 3 s: on the loaded box a reader's LED
        // command now and then comes later than that (the decision itself is the hub's list above).
        var answered = expected.Zip(seen).Where(p => p.Second.Shown != "no_response").ToList();
        output.WriteLine($"{expected.Count - answered.Count} of {expected.Count} presentations without the reader's answer within 3 s");
        Assert.Equal(answered.Select(p => p.First), answered.Select(p => p.Second));
        Assert.True(answered.Count >= expected.Count * 0.95, $"only {answered.Count} of {expected.Count} presentations answered by the reader");
        Assert.Equal((expected.Count, expected.Count), ((int)after.Access.Rows, (int)after.Access.Distinct));
        // Every event the edge kept reached the hub once (the hub stored as many as it acknowledged, none twice).
        Assert.All(new[] { after.Access, after.DoorEvents, after.Samples, after.Windows }, t => Assert.Equal(t.Rows, t.Distinct));
        Assert.Equal(uploaded, after.Total - before.Total);
        Assert.True(uploaded + droppedSince >= outbox.GetProperty("depth").GetInt64(),
            $"{uploaded} events uploaded and {droppedSince} readings dropped since, the outbox held {outbox.GetProperty("depth")}");
        // The budget: sensor readings were dropped to keep to it, access events never. The file is held to twice MaxBytes, not MaxBytes: under this load LiteDB does not reuse every page the
        // compaction frees, and the file grows past MaxBytes (docs/EDGE.md §5, "Outbox budget"; an open finding).
        Assert.True(largestOutboxFile <= 2 * OutboxBudget, $"the outbox file reached {largestOutboxFile} bytes, over twice its budget of {OutboxBudget}");
        Assert.True(outbox.GetProperty("droppedSensorReadings").GetInt64() > 0, "no sensor reading was dropped: the week never reached the budget");
        Assert.False(outbox.GetProperty("overBudget").GetBoolean());
        Assert.True(outbox.GetProperty("bytes").GetInt64() <= OutboxBudget * 2 / 5, $"{outbox.GetProperty("bytes")} bytes of unsent events, over 40 % of the budget");
        // What was dropped was the oldest: each room's windows at the hub are an unbroken run up to the week's end, starting late.
        foreach (var (room, first, last, count) in await WeekWindowsAsync(site, weekStart))
        {
            Assert.Equal((room, weekEnd - Window), (room, last));
            Assert.Equal((room, (int)((last - first) / Window) + 1), (room, count));
            Assert.True(first > weekStart.AddDays(1), $"room {room}: windows from {first:O} kept, the oldest of the week were not dropped first");
        }
    }

    private static string Topic(int room, string kind) => $"zigbee2mqtt/room-{room + 1:00}-{kind}";

    private static bool IsBusy(DateTimeOffset at) => at.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday) && at.Hour is >= 8 and < 19;

    /// <summary>What the bridge hears from every sensor in an hour: presence in most rooms while the building is busy, CO2 following it.</summary>
    private static async Task<int> PublishAsync(SyncSite site, IMqttClient bridge, int step, bool busy)
    {
        var heard = (await site.Edge.StatusAsync()).GetProperty("sensors").GetProperty("messages").GetInt64();
        for (var r = 0; r < Rooms; r++)
        {
            var occupied = busy && (r + step) % 4 != 0;
            var co2 = occupied ? 700 + ((r * 31 + step * 7) % 500) : 420 + (r % 30);
            await PublishAsync(bridge, Topic(r, "presence"), $$"""{"presence":{{(occupied ? "true" : "false")}},"battery":{{95 - (r % 20)}},"linkquality":{{80 + r}}}""");
            await PublishAsync(bridge, Topic(r, "co2"), $$"""{"co2":{{co2}},"battery":{{88 - (r % 15)}},"linkquality":{{90 + r}}}""");
        }

        await site.Edge.WaitForStatusAsync(s => s.GetProperty("sensors").GetProperty("messages").GetInt64() >= heard + 2 * Rooms, "the hour's sensor messages heard");
        return 2 * Rooms;
    }

    private static Task PublishAsync(IMqttClient bridge, string topic, string payload) =>
        bridge.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(Encoding.UTF8.GetBytes(payload))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());

    private static async Task<(string, string)> BadgeAsync(SyncSite site, string card) => (await site.BadgeAsync(card), await NewestReasonAsync(site.Edge));

    private static async Task<(string, string)> KeypadAsync(SyncSite site, string pin) => (await site.KeypadAsync(pin), await NewestReasonAsync(site.Edge));

    private static async Task<string> NewestReasonAsync(EdgeInstance edge) =>
        (await edge.StatusAsync()).GetProperty("recentDecisions")[0].GetProperty("reason").GetString()!;

    /// <summary>The outbox's data file (LiteDB's log beside it is emptied by the checkpoint every commit makes).</summary>
    private static long OutboxFileBytes(EdgeInstance edge) => new FileInfo(Path.Combine(edge.DataDirectory, "outbox.db")).Length;

    private static long OutboxLogBytes(EdgeInstance edge) =>
        new FileInfo(Path.Combine(edge.DataDirectory, "outbox-log.db")) is { Exists: true } log ? log.Length : 0;

    /// <summary>Moves the clock and waits until the edge reads it (the clock caches the offset for a second).</summary>
    private static async Task MoveAsync(EdgeInstance edge, EdgeClock clock, DateTimeOffset at)
    {
        clock.MoveTo(at);
        await edge.WaitForStatusAsync(s => s.GetProperty("now").GetDateTimeOffset() >= at.AddSeconds(-1), $"the edge's clock at {at:O}");
    }

    private static async Task<bool> HoldsLastWindowsAsync(SyncSite site, DateTimeOffset lastStart)
    {
        await using var conn = new NpgsqlConnection(site.Api.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT count(DISTINCT resource_id) FROM occupancy_windows WHERE edge_id = @edge AND window_start = @start", conn);
        cmd.Parameters.AddWithValue("edge", site.Edge.EdgeId);
        cmd.Parameters.AddWithValue("start", lastStart);
        return (long)(await cmd.ExecuteScalarAsync())! == Rooms;
    }

    private sealed record Table(long Rows, long Distinct);

    private sealed record HubCounts(Table Access, Table DoorEvents, Table Samples, Table Windows)
    {
        public long Total => Access.Rows + DoorEvents.Rows + Samples.Rows + Windows.Rows;
    }

    private static async Task<HubCounts> HubCountsAsync(SyncSite site)
    {
        await using var conn = new NpgsqlConnection(site.Api.ConnectionString);
        await conn.OpenAsync();

        async Task<Table> CountAsync(string table)
        {
            await using var cmd = new NpgsqlCommand($"SELECT count(*), count(DISTINCT event_id) FROM {table} WHERE edge_id = @edge", conn);
            cmd.Parameters.AddWithValue("edge", site.Edge.EdgeId);
            await using var reader = await cmd.ExecuteReaderAsync();
            await reader.ReadAsync();
            return new Table(reader.GetInt64(0), reader.GetInt64(1));
        }

        return new HubCounts(await CountAsync("access_events"), await CountAsync("edge_events"), await CountAsync("sensor_samples"), await CountAsync("occupancy_windows"));
    }

    /// <summary>Per room, the first and last start of the windows of the week the hub holds, and how many.</summary>
    private static async Task<IReadOnlyList<(Guid Room, DateTimeOffset First, DateTimeOffset Last, int Count)>> WeekWindowsAsync(SyncSite site, DateTimeOffset weekStart)
    {
        await using var conn = new NpgsqlConnection(site.Api.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(
            """
            SELECT resource_id, min(window_start), max(window_start), count(*)::int
            FROM occupancy_windows WHERE edge_id = @edge AND window_start >= @weekStart
            GROUP BY resource_id ORDER BY resource_id
            """,
            conn);
        cmd.Parameters.AddWithValue("edge", site.Edge.EdgeId);
        cmd.Parameters.AddWithValue("weekStart", weekStart);
        var rooms = new List<(Guid, DateTimeOffset, DateTimeOffset, int)>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rooms.Add((reader.GetGuid(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetFieldValue<DateTimeOffset>(2), reader.GetInt32(3)));
        }

        Assert.Equal(Rooms, rooms.Count);
        return rooms;
    }
}
