namespace Coworking.Sim.Osdp.Framing;

/// <summary>
/// Cuts frames out of a serial byte stream. It never throws on bad input: bytes before a SOM are counted as
/// garbage, impossible lengths drop the SOM and resynchronise, a bad check or a frame whose parts do not fit is
/// handed on marked as such (the reader answers those with osdp_NAK when they carry its address).
/// </summary>
internal sealed class FrameDecoder
{
    /// <summary>Largest frame accepted; the reader advertises it as its receive buffer size in osdp_PDCAP.</summary>
    public const int MaxFrameLength = 1024;

    public const byte StartOfMessage = 0x53;
    public const byte Mark = 0xFF;
    private const int HeaderLength = 5;

    /// <summary>A partial frame older than this is treated as noise when more bytes arrive.</summary>
    private static readonly TimeSpan InterByteTimeout = TimeSpan.FromMilliseconds(100);

    private readonly byte[] buffer = new byte[MaxFrameLength * 2];
    private int count;
    private DateTimeOffset lastByteAt;

    public FrameCounters Counters { get; } = new();

    public void Push(ReadOnlySpan<byte> bytes, DateTimeOffset now, ICollection<OsdpFrame> output)
    {
        if (count > 0 && now - lastByteAt > InterByteTimeout)
        {
            Discard(1);
            Drain(output);
        }

        lastByteAt = now;
        while (!bytes.IsEmpty)
        {
            var take = Math.Min(bytes.Length, buffer.Length - count);
            bytes[..take].CopyTo(buffer.AsSpan(count));
            count += take;
            bytes = bytes[take..];
            Drain(output);
        }
    }

    private void Drain(ICollection<OsdpFrame> output)
    {
        while (count > 0)
        {
            var som = buffer.AsSpan(0, count).IndexOf(StartOfMessage);
            if (som < 0)
            {
                // A trailing mark byte may belong to a frame whose SOM is still on the wire.
                Discard(buffer[count - 1] == Mark ? count - 1 : count);
                return;
            }

            var hadMark = som > 0 && buffer[som - 1] == Mark;
            Discard(som);
            if (count < HeaderLength)
            {
                return;
            }

            var length = buffer[2] | (buffer[3] << 8);
            var checkLength = (buffer[4] & FrameControl.Crc) != 0 ? 2 : 1;
            if (length < HeaderLength + 1 + checkLength || length > MaxFrameLength)
            {
                Counters.CountBadLength();
                Discard(1);
                continue;
            }

            if (count < length)
            {
                return;
            }

            var bytes = buffer.AsSpan(0, length).ToArray();
            RemoveFront(length);
            output.Add(Parse(bytes, hadMark));
        }
    }

    private OsdpFrame Parse(byte[] bytes, bool hadMark)
    {
        var control = bytes[4];
        var usesCrc = (control & FrameControl.Crc) != 0;
        var checkLength = usesCrc ? 2 : 1;
        var body = bytes.AsSpan(0, bytes.Length - checkLength);
        var checkOk = usesCrc
            ? Crc16.Compute(body) == (bytes[^2] | (bytes[^1] << 8))
            : Checksum.Compute(body) == bytes[^1];
        if (!checkOk)
        {
            Counters.CountBadCheck();
            return new OsdpFrame(bytes[1], control, hadMark, bytes, FrameError.BadCheck, null);
        }

        var content = ParseContent(bytes, control, body.Length);
        if (content is null)
        {
            Counters.CountMalformed();
            return new OsdpFrame(bytes[1], control, hadMark, bytes, FrameError.Malformed, null);
        }

        Counters.CountFrame();
        return new OsdpFrame(bytes[1], control, hadMark, bytes, FrameError.None, content);
    }

    private static FrameContent? ParseContent(byte[] bytes, byte control, int bodyLength)
    {
        var offset = HeaderLength;
        byte[]? securityBlock = null;
        if ((control & FrameControl.SecurityBlock) != 0)
        {
            var blockLength = bytes[offset];
            if (blockLength < 2 || offset + blockLength >= bodyLength)
            {
                return null;
            }

            securityBlock = bytes.AsSpan(offset, blockLength).ToArray();
            offset += blockLength;
        }

        var macLength = securityBlock is not null && SecurityBlockType.CarriesMac(securityBlock[1]) ? 4 : 0;
        var end = bodyLength - macLength;
        if (offset >= end)
        {
            return null;
        }

        var code = bytes[offset];
        var data = bytes.AsSpan(offset + 1, end - offset - 1).ToArray();
        var mac = macLength == 0 ? null : bytes.AsSpan(end, macLength).ToArray();
        return new FrameContent(securityBlock, code, data, mac);
    }

    /// <summary>Drops bytes from the front, counting all but mark bytes as garbage.</summary>
    private void Discard(int bytes)
    {
        var garbage = 0;
        foreach (var b in buffer.AsSpan(0, bytes))
        {
            if (b != Mark)
            {
                garbage++;
            }
        }

        if (garbage > 0)
        {
            Counters.CountGarbage(garbage);
        }

        RemoveFront(bytes);
    }

    private void RemoveFront(int bytes)
    {
        buffer.AsSpan(bytes, count - bytes).CopyTo(buffer);
        count -= bytes;
    }
}
