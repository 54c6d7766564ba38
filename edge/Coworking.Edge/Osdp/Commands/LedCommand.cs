namespace Coworking.Edge.Osdp.Commands;

/// <summary>Reader LED colours of osdp_LED.</summary>
public enum LedColor : byte
{
    Off = 0,
    Red = 1,
    Green = 2,
    Amber = 3,
    Blue = 4,
    Magenta = 5,
    Cyan = 6,
    White = 7,
}

/// <summary>Temporary control codes of osdp_LED.</summary>
public enum LedTemporaryMode : byte
{
    Nop = 0x00,
    Cancel = 0x01,
    Set = 0x02,
}

/// <summary>Permanent control codes of osdp_LED.</summary>
public enum LedPermanentMode : byte
{
    Nop = 0x00,
    Set = 0x01,
}

/// <summary>Temporary LED state: flash on/off times (100 ms units), colours, and how long it lasts (100 ms units).</summary>
public sealed record LedTemporary(LedTemporaryMode Mode, byte OnTime100Ms, byte OffTime100Ms, LedColor OnColor, LedColor OffColor, ushort Timer100Ms);

/// <summary>Permanent LED state: flash on/off times (100 ms units) and colours.</summary>
public sealed record LedPermanent(LedPermanentMode Mode, byte OnTime100Ms, byte OffTime100Ms, LedColor OnColor, LedColor OffColor);

/// <summary>One 14-byte LED record: reader, LED number, temporary and permanent settings.</summary>
public sealed record LedControl(byte Reader, byte Led, LedTemporary Temporary, LedPermanent Permanent)
{
    /// <summary>A steady colour that stays until changed.</summary>
    public static LedControl SteadyColor(LedColor color) => new(
        0,
        0,
        new LedTemporary(LedTemporaryMode.Cancel, 0, 0, LedColor.Off, LedColor.Off, 0),
        new LedPermanent(LedPermanentMode.Set, 1, 0, color, color));

    /// <summary>A steady colour for <paramref name="timer100Ms"/>, after which the permanent state shows again.</summary>
    public static LedControl TemporaryColor(LedColor color, ushort timer100Ms) => new(
        0,
        0,
        new LedTemporary(LedTemporaryMode.Set, 1, 0, color, color, timer100Ms),
        new LedPermanent(LedPermanentMode.Nop, 0, 0, LedColor.Off, LedColor.Off));
}

/// <summary>osdp_LED: one or more 14-byte LED records.</summary>
public sealed record LedCommand(IReadOnlyList<LedControl> Leds) : OsdpCommand
{
    private const int RecordLength = 14;

    public override byte Code => CommandCode.Led;

    public override byte[] EncodeData()
    {
        var data = new byte[Leds.Count * RecordLength];
        for (var i = 0; i < Leds.Count; i++)
        {
            var l = Leds[i];
            var t = l.Temporary;
            var p = l.Permanent;
            byte[] record =
            [
                l.Reader, l.Led,
                (byte)t.Mode, t.OnTime100Ms, t.OffTime100Ms, (byte)t.OnColor, (byte)t.OffColor, (byte)t.Timer100Ms, (byte)(t.Timer100Ms >> 8),
                (byte)p.Mode, p.OnTime100Ms, p.OffTime100Ms, (byte)p.OnColor, (byte)p.OffColor,
            ];
            record.CopyTo(data, i * RecordLength);
        }

        return data;
    }

    internal static LedCommand? Decode(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty || data.Length % RecordLength != 0)
        {
            return null;
        }

        var leds = new LedControl[data.Length / RecordLength];
        for (var i = 0; i < leds.Length; i++)
        {
            var r = data.Slice(i * RecordLength, RecordLength);
            leds[i] = new LedControl(
                r[0],
                r[1],
                new LedTemporary((LedTemporaryMode)r[2], r[3], r[4], (LedColor)r[5], (LedColor)r[6], (ushort)(r[7] | (r[8] << 8))),
                new LedPermanent((LedPermanentMode)r[9], r[10], r[11], (LedColor)r[12], (LedColor)r[13]));
        }

        return new LedCommand(leds);
    }
}
