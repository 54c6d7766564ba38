using System.Text;
using System.Text.Json.Serialization;
using Coworking.Edge.Osdp.Commands;
using Coworking.Edge.Osdp.Framing;
using Coworking.Edge.Osdp.Replies;

namespace Coworking.Edge.Osdp.ControlPanel;

/// <summary>
/// What kind of problem a reader's <see cref="PdStatus.LastError"/> describes: the wire names tools (and
/// <c>coworking-edge doctor</c>) match on, each with its own fix.
/// </summary>
public static class PdErrorKind
{
    /// <summary>Nothing came back by the deadline.</summary>
    public const string NoReply = "no_reply";

    /// <summary>Replies arrived with a wrong CRC-16 or checksum.</summary>
    public const string BadCrc = "bad_crc";

    /// <summary>Replies arrived with a security block of the wrong type, a malformed one, or none inside the secure channel.</summary>
    public const string BadSecurityBlock = "bad_security_block";

    /// <summary>Secure channel replies whose MAC or encrypted data did not verify.</summary>
    public const string BadMac = "bad_mac";

    /// <summary>The reader cannot prove it holds the key (cryptogram or initial R-MAC mismatch).</summary>
    public const string WrongKey = "wrong_key";

    /// <summary>The reader refused a command with osdp_NAK.</summary>
    public const string Nak = "nak";

    /// <summary>The configuration asks for the secure channel and the reader does not offer it.</summary>
    public const string NoSecureChannel = "no_secure_channel";

    /// <summary>The reader insists on the secure channel and the configuration has it off.</summary>
    public const string SecureChannelRequired = "secure_channel_required";

    /// <summary>Replies that arrived and could not be used (malformed data, an answer to another command, a wrong sequence number).</summary>
    public const string BadReply = "bad_reply";

    /// <summary>The reader moved to another baud rate.</summary>
    public const string Moved = "moved";

    /// <summary>The serial port failed.</summary>
    public const string PortError = "port_error";

    public static string For(OsdpRejectReason reason) => reason switch
    {
        OsdpRejectReason.BadCrc or OsdpRejectReason.BadChecksum => BadCrc,
        OsdpRejectReason.BadSecurityBlock => BadSecurityBlock,
        OsdpRejectReason.BadMac => BadMac,
        _ => BadReply,
    };
}

/// <summary>A reply from one reader that the edge did not act on, as an installer sends it to the reader's vendor.</summary>
/// <param name="Hex">The frame as on the wire; card and keypad data of clear replies are masked as "xx".</param>
public sealed record RejectedFrame(
    DateTimeOffset At,
    [property: JsonConverter(typeof(JsonStringEnumConverter<OsdpRejectReason>))] OsdpRejectReason Reason,
    string Detail,
    string Hex);

/// <summary>The last <see cref="Capacity"/> rejected frames of one reader, newest last; written by the bus loop, read by the status page.</summary>
internal sealed class RejectedFrameLog
{
    public const int Capacity = 20;
    private const int MaxHexBytes = 300;
    private readonly Lock gate = new();
    private readonly Queue<RejectedFrame> frames = new();

    public void Add(DateTimeOffset at, OsdpRejectReason reason, string detail, ReadOnlySpan<byte> bytes)
    {
        var entry = new RejectedFrame(at, reason, detail, Redacted(bytes));
        lock (gate)
        {
            if (frames.Count == Capacity)
            {
                frames.Dequeue();
            }

            frames.Enqueue(entry);
        }
    }

    public IReadOnlyList<RejectedFrame> Snapshot()
    {
        lock (gate)
        {
            return [.. frames];
        }
    }

    /// <summary>
    /// Hex of the frame, with the data of clear card, formatted-card and keypad replies masked: a card number or a
    /// PIN never reaches the status page, while the header, code, lengths and check still show what was wrong.
    /// </summary>
    internal static string Redacted(ReadOnlySpan<byte> bytes)
    {
        var shown = bytes[..Math.Min(bytes.Length, MaxHexBytes)];
        var maskFrom = -1;
        var maskTo = -1;
        if (shown.Length >= 7 && shown[0] == OsdpFrameEncoder.StartOfMessage && (shown[4] & OsdpFrameEncoder.ControlSecurityBlock) == 0
            && shown[5] is ReplyCode.RawCard or ReplyCode.FormattedCard or ReplyCode.Keypad)
        {
            var checkLength = (shown[4] & OsdpFrameEncoder.ControlCrc) != 0 ? 2 : 1;
            var declared = shown[2] | (shown[3] << 8);
            maskFrom = 6;
            maskTo = Math.Min(shown.Length, Math.Max(maskFrom, declared - checkLength));
        }

        var text = new StringBuilder(shown.Length * 2 + 3);
        for (var i = 0; i < shown.Length; i++)
        {
            text.Append(i >= maskFrom && i < maskTo ? "xx" : shown[i].ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
        }

        if (bytes.Length > shown.Length)
        {
            text.Append("...");
        }

        return text.ToString();
    }
}

/// <summary>Names of OSDP codes for messages an installer reads.</summary>
internal static class OsdpNames
{
    public static string Command(byte code) => code switch
    {
        CommandCode.Poll => "osdp_POLL",
        CommandCode.Id => "osdp_ID",
        CommandCode.Capabilities => "osdp_CAP",
        CommandCode.LocalStatus => "osdp_LSTAT",
        CommandCode.InputStatus => "osdp_ISTAT",
        CommandCode.OutputStatus => "osdp_OSTAT",
        CommandCode.Output => "osdp_OUT",
        CommandCode.Led => "osdp_LED",
        CommandCode.Buzzer => "osdp_BUZ",
        CommandCode.ComSet => "osdp_COMSET",
        CommandCode.KeySet => "osdp_KEYSET",
        CommandCode.Challenge => "osdp_CHLNG",
        CommandCode.ServerCryptogram => "osdp_SCRYPT",
        _ => $"command 0x{code:X2}",
    };

    public static string Reply(byte code) => code switch
    {
        ReplyCode.Ack => "osdp_ACK",
        ReplyCode.Nak => "osdp_NAK",
        ReplyCode.PdId => "osdp_PDID",
        ReplyCode.PdCapabilities => "osdp_PDCAP",
        ReplyCode.LocalStatus => "osdp_LSTATR",
        ReplyCode.InputStatus => "osdp_ISTATR",
        ReplyCode.OutputStatus => "osdp_OSTATR",
        ReplyCode.RawCard => "osdp_RAW",
        ReplyCode.FormattedCard => "osdp_FMT",
        ReplyCode.Keypad => "osdp_KEYPAD",
        ReplyCode.Com => "osdp_COM",
        ReplyCode.ClientCryptogram => "osdp_CCRYPT",
        ReplyCode.InitialRmac => "osdp_RMAC_I",
        ReplyCode.Busy => "osdp_BUSY",
        _ => $"reply 0x{code:X2}",
    };

    public static string Nak(NakError error) => $"NAK {(byte)error} ({error})";
}
