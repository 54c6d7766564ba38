using System.Text.Json;
using Coworking.Edge.Osdp.ControlPanel;
using Microsoft.Extensions.Logging.Abstractions;

namespace Coworking.Edge.Doctor;

/// <summary>
/// Each configured reader: does it answer osdp_ID and osdp_CAP, is its secure channel up, and if not, why — from
/// the running edge's own view of the bus, or, with the edge stopped and the port free, by running the bus here
/// for a few seconds exactly as the edge would (install mode included: a reader in install mode gets its key).
/// </summary>
internal static class ReaderChecks
{
    public static IEnumerable<DoctorFinding> FromRunningEdge(OsdpBusOptions bus, JsonElement busStatus)
    {
        var portOpen = busStatus.GetProperty("portOpen").GetBoolean();
        var portError = busStatus.TryGetProperty("portError", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
        foreach (var reader in bus.Readers)
        {
            var status = busStatus.GetProperty("readers").EnumerateArray().FirstOrDefault(r => r.GetProperty("address").GetInt32() == reader.Address);
            if (status.ValueKind != JsonValueKind.Object)
            {
                yield return DoctorFinding.Warn("reader", Subject(bus, reader), "the running edge does not serve this reader",
                    "the configuration changed since the edge started: sudo systemctl restart coworking-edge");
                continue;
            }

            if (!portOpen)
            {
                yield return DoctorFinding.Fail("reader", Subject(bus, reader), $"unreachable: the serial port is not open ({portError})", "see the port line for this bus");
                continue;
            }

            yield return Judge(bus, reader, new ReaderView(
                status.GetProperty("online").GetBoolean(),
                Text(status, "lastError"),
                Text(status, "lastErrorKind"),
                status.GetProperty("secureChannelActive").GetBoolean(),
                status.GetProperty("installMode").GetBoolean(),
                status.TryGetProperty("identity", out var id) && id.ValueKind == JsonValueKind.Object
                    ? $"{id.GetProperty("vendor").GetString()} model {id.GetProperty("model").GetInt32()} firmware {id.GetProperty("firmware").GetString()}"
                    : null));
        }
    }

    /// <summary>Runs the bus here until every reader is online or <paramref name="probeTime"/> has passed, then reports each.</summary>
    public static async Task<IReadOnlyList<DoctorFinding>> ProbeAsync(OsdpBusOptions bus, TimeSpan probeTime, CancellationToken cancellationToken)
    {
        var osdp = new OsdpBus(bus, TimeProvider.System, NullLogger<OsdpBus>.Instance);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var run = osdp.RunAsync(stop.Token);
        var deadline = TimeProvider.System.GetUtcNow() + probeTime;
        OsdpBusStatus status;
        do
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
            status = osdp.GetStatus();
        }
        while (TimeProvider.System.GetUtcNow() < deadline && !status.Readers.All(r => r.Online));

        await stop.CancelAsync();
        await run;
        return [.. bus.Readers.Select(reader =>
        {
            var pd = status.Readers.Single(r => r.Address == reader.Address);
            var identity = pd.Identity is { } i ? $"{i.Vendor} model {i.Model} firmware {i.Firmware}" : null;
            return status.PortOpen
                ? Judge(bus, reader, new ReaderView(pd.Online, pd.LastError, pd.LastErrorKind, pd.SecureChannelActive, pd.InstallMode, identity))
                : DoctorFinding.Fail("reader", Subject(bus, reader), $"unreachable: the serial port could not be opened ({status.PortError})", "see the port line for this bus");
        })];
    }

    private static DoctorFinding Judge(OsdpBusOptions bus, OsdpReaderOptions reader, ReaderView view)
    {
        var subject = Subject(bus, reader);
        if (view.Online)
        {
            var secure = !reader.SecureChannel ? "secure channel off (configured so)" : view.SecureActive ? "secure channel on" : "secure channel NOT up";
            var who = view.Identity is null ? "" : $" ({view.Identity})";
            return reader.SecureChannel && !view.SecureActive
                ? DoctorFinding.Fail("reader", subject, $"answers{who} but its secure channel is not up", "see docs/OSDP.md §5")
                : reader.SecureChannel && view.InstallMode
                    ? DoctorFinding.Warn("reader", subject, $"answers ID and CAP{who}; {secure}, in install mode",
                        "when every reader is installed, copy its key from the key store into Scbk (docs/OSDP.md §5): SCBK-D is public")
                    : DoctorFinding.Ok("reader", subject, $"answers ID and CAP{who}; {secure}");
        }

        var kind = view.LastErrorKind ?? PdErrorKind.NoReply;
        var why = view.LastError ?? "no reply to osdp_ID";
        return DoctorFinding.Fail("reader", subject, $"offline: {why}", Fix(kind, bus, reader));
    }

    private static string Fix(string kind, OsdpBusOptions bus, OsdpReaderOptions reader) => kind switch
    {
        PdErrorKind.NoReply =>
            $"nothing answers at address {reader.Address}: check the reader's power, the A/B wiring and that the reader is set to address {reader.Address} at {bus.BaudRate} baud",
        PdErrorKind.BadCrc =>
            $"replies arrive damaged: check the termination (120 Ω at both ends of the bus only), bias, shield and ground; try a lower baud rate; make sure no other reader uses address {reader.Address}",
        PdErrorKind.BadSecurityBlock =>
            "the reader's secure channel replies do not follow OSDP 2.2: update its firmware, and send its rejected frames (GET /status, readers[].rejectedFrames) to the vendor",
        PdErrorKind.BadMac =>
            "the reader's session keys differ from the edge's: the reader was reset or holds another key; set Scbk to its key, or reset it to install mode",
        PdErrorKind.WrongKey => reader.Scbk is null
            ? "the reader holds a key the edge does not know (not SCBK-D, not the key store's): reset it to install mode, or put its key in Scbk"
            : "the reader does not hold the key in Scbk: set Scbk to the reader's key, or remove Scbk and reset the reader to install mode so the edge gives it one",
        PdErrorKind.Nak => "the reader refused a command (its NAK code is above): check its firmware and configuration",
        PdErrorKind.NoSecureChannel => "turn the secure channel on at the reader, or set SecureChannel to false for it",
        PdErrorKind.SecureChannelRequired => "set SecureChannel to true for this reader",
        PdErrorKind.Moved => "set the bus BaudRate to the reader's new rate, or move the reader back",
        PdErrorKind.PortError => "see the port line for this bus",
        _ => "see docs/OSDP.md §6 for what the counters and reasons mean",
    };

    private static string Subject(OsdpBusOptions bus, OsdpReaderOptions reader) => $"{Path.GetFileName(bus.PortName)}:{reader.Address} (door {reader.DoorId})";

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private sealed record ReaderView(bool Online, string? LastError, string? LastErrorKind, bool SecureActive, bool InstallMode, string? Identity);
}
