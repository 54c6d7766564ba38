using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Coworking.Hub.Bookings;
using Coworking.Hub.Locations;
using Coworking.Hub.Resources;
using Coworking.Hub.Tests.Support;

namespace Coworking.Hub.Tests.Bookings;

/// <summary>The availability answer the hub writes by hand against the one the serializer would write, and its compact form over HTTP.</summary>
public sealed class AvailabilityJsonTests(ClockedHubFixture hub) : IClassFixture<ClockedHubFixture>
{
    private static readonly DateTimeOffset DayStart = new(2026, 10, 24, 23, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Full_answer_is_byte_for_byte_what_the_serializer_writes()
    {
        var day = new AvailabilityResponse(
            Guid.NewGuid(), new DateOnly(2026, 10, 25), "Europe/London", DayStart, DayStart.AddHours(25),
            [
                new ResourceAvailability(
                    Guid.NewGuid(), "Desk \"14\" <by the window> — café", ResourceKind.HotDesk, 1, Guid.NewGuid(),
                    [new Interval(DayStart, DayStart.AddHours(9).AddSeconds(30.125)), new Interval(DayStart.AddHours(10), DayStart.AddHours(25))],
                    [new Interval(DayStart.AddHours(9).AddSeconds(30.125), DayStart.AddHours(10))]),
                new ResourceAvailability(Guid.NewGuid(), "Board room", ResourceKind.MeetingRoom, 12, Guid.NewGuid(), [], []),
                new ResourceAvailability(Guid.NewGuid(), "Booth", ResourceKind.PhoneBooth, 1, Guid.NewGuid(), [], [new Interval(DayStart, DayStart.AddHours(25))]),
            ]);
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false) },
        };

        Assert.Equal(JsonSerializer.Serialize(day, options), Written(day, freeOnly: false));
    }

    [Fact]
    public void Compact_answer_has_each_resources_free_minutes_rounded_inwards()
    {
        var desk = Guid.NewGuid();
        var day = new AvailabilityResponse(
            Guid.NewGuid(), new DateOnly(2026, 10, 25), "Europe/London", DayStart, DayStart.AddHours(25),
            [
                new ResourceAvailability(
                    desk, "Desk", ResourceKind.HotDesk, 1, Guid.NewGuid(),
                    [new Interval(DayStart, DayStart.AddHours(9).AddSeconds(-1)), new Interval(DayStart.AddHours(10).AddSeconds(1), DayStart.AddHours(10).AddSeconds(59)), new Interval(DayStart.AddHours(10).AddSeconds(90), DayStart.AddHours(25))],
                    []),
            ]);

        using var json = JsonDocument.Parse(Written(day, freeOnly: true));

        var resource = Assert.Single(json.RootElement.GetProperty("resources").EnumerateArray());
        Assert.Equal(desk, resource.GetProperty("id").GetGuid());
        Assert.Equal(new[] { new[] { 0, 539 }, new[] { 602, 1500 } }, resource.GetProperty("free").EnumerateArray().Select(f => f.EnumerateArray().Select(m => m.GetInt32()).ToArray()).ToArray());
        Assert.False(resource.TryGetProperty("taken", out _));
    }

    [Fact]
    public async Task Availability_with_fields_free_lists_only_free_minutes_from_the_local_midnight()
    {
        hub.Time.AdjustTime(new DateTimeOffset(2026, 3, 2, 8, 0, 0, TimeSpan.Zero));
        var site = await Workspace.SiteAsync(hub.Admin);
        var desk = await Workspace.ResourceAsync(hub.Admin, site, "hot_desk");
        var member = await Workspace.MemberAsync(hub.Admin, site.LocationId, await Workspace.TierAsync(hub.Admin, Workspace.Terms()));
        var booked = await hub.Admin.PostJsonAsync("/api/v1/bookings", new
        {
            memberId = member, resourceId = desk, start = new DateTimeOffset(2026, 3, 3, 9, 0, 0, TimeSpan.Zero), end = new DateTimeOffset(2026, 3, 3, 10, 30, 0, TimeSpan.Zero),
        });

        var day = await hub.Admin.GetJsonAsync($"/api/v1/locations/{site.LocationId}/availability?date=2026-03-03&fields=free");

        Assert.NotNull(booked["id"]);
        var resource = Assert.Single(day["resources"]!.AsArray())!;
        Assert.Equal(desk, resource["id"]!.GetValue<Guid>());
        Assert.Equal("[[0,540],[630,1440]]", resource["free"]!.ToJsonString());
        Assert.Null(resource["taken"]);
        Assert.Equal(new DateTimeOffset(2026, 3, 3, 0, 0, 0, TimeSpan.Zero), day["from"]!.GetValue<DateTimeOffset>());
    }

    [Fact]
    public async Task Availability_with_unknown_fields_is_a_problem_naming_fields()
    {
        var site = await Workspace.SiteAsync(hub.Admin);

        using var response = await hub.Admin.GetAsync($"/api/v1/locations/{site.LocationId}/availability?date=2026-03-03&fields=taken");

        var problem = await response.ProblemAsync(400);
        Assert.NotNull(problem["errors"]!["fields"]);
    }

    private static string Written(AvailabilityResponse day, bool freeOnly)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            AvailabilityJson.Write(writer, day, freeOnly);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
