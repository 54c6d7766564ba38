using System.Security.Cryptography;
using System.Text;
using Coworking.Edge.Cache;
using Coworking.Edge.Decisions;
using Coworking.Proto.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging.Abstractions;

namespace Coworking.Benchmarks.Edge;

/// <summary>
/// A building's worth of cache content: doors, holders with a card each and every tenth with a PIN
/// too, grants in the shapes the hub makes (all-hours members, staffed-hours members, door-limited
/// bookings and visitor passes with windows). Holder, credential and grant ids are short text ("h-12"), or with
/// <c>hubIds</c> UUIDs in the hub's lowercase form, as a hub sends them (the index keeps those without a string each).
/// </summary>
internal sealed class EdgeData
{
    public const string LocationId = "bench-loc";

    private static readonly byte[] PinKey = Encoding.ASCII.GetBytes("benchmark-pin-key-0123456789");

    private readonly bool _hubIds;

    public EdgeData(int credentials, int doors, DateTimeOffset now, bool hubIds = false)
    {
        _hubIds = hubIds;
        Credentials = credentials;
        Doors = doors;
        Now = now;
        Holders = (int)Math.Ceiling(credentials / 1.1);
    }

    public int Credentials { get; }

    public int Doors { get; }

    public int Holders { get; }

    public DateTimeOffset Now { get; }

    public static string DoorId(int i) => $"door-{i:000}";

    public static string Pin(int holder) => (100000 + holder).ToString(System.Globalization.CultureInfo.InvariantCulture);

    public ChangeBatch Snapshot(long lastSeq = 1)
    {
        var batch = new ChangeBatch { LocationId = LocationId, LastSeq = lastSeq };
        var weekdays = Enumerable.Range(1, 5).Select(d => new WeeklyWindow { Weekday = d, StartMinute = 8 * 60, EndMinute = 18 * 60 }).ToList();
        var location = new LocationUpsert { LocationId = LocationId, Name = "Benchmark building", TimeZone = "Europe/London", PinKey = ByteString.CopyFrom(PinKey) };
        location.StaffedHours.AddRange(weekdays);
        batch.Changes.Add(new Change { Location = location });
        for (var d = 0; d < Doors; d++)
        {
            batch.Changes.Add(new Change { Door = new DoorUpsert { DoorId = DoorId(d), Name = DoorId(d), FailMode = FailMode.Secure, UnlockMs = 5000, HeldOpenLimitS = 30, CardAndPin = d % 50 == 49 } });
        }

        var random = new Random(42);
        var made = 0;
        for (var h = 0; h < Holders; h++)
        {
            var holderId = Id('h', h);
            batch.Changes.Add(new Change { Holder = new HolderUpsert { HolderId = holderId, Status = h % 40 == 0 ? HolderStatus.Suspended : HolderStatus.Active } });
            if (made++ < Credentials)
            {
                batch.Changes.Add(new Change { Credential = new CredentialUpsert { CredentialId = Id('c', h), HolderId = holderId, Kind = CredentialKind.Card, FacilityCode = 12, CardNumber = (ulong)(1000 + h) } });
            }

            if (h % 10 == 0 && made++ < Credentials)
            {
                batch.Changes.Add(new Change { Credential = new CredentialUpsert { CredentialId = Id('p', h), HolderId = holderId, Kind = CredentialKind.Pin, PinHash = ByteString.CopyFrom(HMACSHA256.HashData(PinKey, Encoding.ASCII.GetBytes(Pin(h)))) } });
            }

            var grant = new GrantUpsert
            {
                GrantId = Id('g', h),
                HolderId = holderId,
                ValidFrom = Timestamp.FromDateTimeOffset(Now.AddDays(-random.Next(1, 300))),
                ValidUntil = Timestamp.FromDateTimeOffset(Now.AddDays(random.Next(-10, 60))),
            };
            switch (h % 4)
            {
                case 0:
                    grant.AllDoors = true;
                    break;
                case 1:
                    grant.AllDoors = true;
                    grant.Schedule.AddRange(weekdays);
                    break;
                default:
                    grant.DoorIds.AddRange(Enumerable.Range(0, random.Next(1, 10)).Select(_ => DoorId(random.Next(Doors))).Distinct());
                    grant.Schedule.AddRange(weekdays);
                    break;
            }

            batch.Changes.Add(new Change { Grant = grant });
            if (h % 7 == 0)
            {
                var booking = new GrantUpsert
                {
                    GrantId = Id('b', h),
                    HolderId = holderId,
                    ValidFrom = Timestamp.FromDateTimeOffset(Now.AddHours(-1)),
                    ValidUntil = Timestamp.FromDateTimeOffset(Now.AddHours(2)),
                };
                booking.DoorIds.Add(DoorId(random.Next(Doors)));
                batch.Changes.Add(new Change { Grant = booking });
            }
        }

        var seq = 0L;
        foreach (var change in batch.Changes)
        {
            change.Seq = ++seq;
        }

        batch.LastSeq = Math.Max(lastSeq, seq);
        return batch;
    }

    private string Id(char kind, int n) => _hubIds ? new Guid(n + 1, (short)kind, 0x7000, 0x80, 0, 0, 0, 0, 0, 0, 0).ToString() : $"{kind}-{n}";

    /// <summary>Presentations as a building sees them: mostly known cards, some PINs, some strangers.</summary>
    public Presentation[] Presentations(int count, int seed)
    {
        var random = new Random(seed);
        var result = new Presentation[count];
        for (var i = 0; i < count; i++)
        {
            var door = DoorId(random.Next(Doors));
            var holder = random.Next(Holders);
            var roll = random.Next(100);
            result[i] = roll switch
            {
                < 85 => Presentation.ForCard(door, "r-" + door, 12, (ulong)(1000 + holder)),
                < 95 => Presentation.ForPin(door, "r-" + door, Pin(holder - (holder % 10))),
                _ => Presentation.ForCard(door, "r-" + door, 12, (ulong)(10_000_000 + holder)),
            };
        }

        return result;
    }

    public static GrantCache OpenCache(string directory) =>
        GrantCache.Open(Path.Combine(directory, "cache.db"), TimeProvider.System, NullLogger<GrantCache>.Instance);
}
