using System.Diagnostics.CodeAnalysis;

namespace Coworking.Edge.Osdp.Framing;

/// <summary>Sees the bytes of everything the parser rejects, for a traffic capture.</summary>
public delegate void RejectedBytesObserver(OsdpRejectReason reason, ReadOnlySpan<byte> bytes);

/// <summary>
/// Incremental OSDP frame parser: feed it raw bytes as they arrive, take complete frames out. It hunts for
/// SOM, waits for LEN bytes, checks the CRC-16 or checksum and the security block, and hands over only
/// frames that pass. Anything else is counted by reason and dropped; after a bad candidate it rescans from
/// the byte after that SOM, so a corrupted LEN cannot swallow the good frame behind it. It never throws on
/// input and never holds more than twice the largest frame.
/// </summary>
public sealed class OsdpFrameParser
{
    public const int DefaultMaxFrameLength = 1440;
    private const byte IdleFill = 0xFF;
    private readonly OsdpRejectCounters rejects;
    private readonly RejectedBytesObserver? observer;
    private readonly int maxFrameLength;
    private readonly byte[] buffer;
    private readonly Queue<OsdpFrame> ready = new();
    private int start;
    private int end;
    private bool garbageRunCounted;
    private bool inRejectedTail;

    public OsdpFrameParser(OsdpRejectCounters rejects, int maxFrameLength = DefaultMaxFrameLength, RejectedBytesObserver? observer = null)
    {
        ArgumentNullException.ThrowIfNull(rejects);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxFrameLength, 16);
        this.rejects = rejects;
        this.observer = observer;
        this.maxFrameLength = maxFrameLength;
        buffer = new byte[maxFrameLength * 2];
    }

    /// <summary>Bytes held while waiting for the rest of a frame.</summary>
    public int Buffered => end - start;

    public void Feed(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            Compact();
            var n = Math.Min(bytes.Length, buffer.Length - end);
            bytes[..n].CopyTo(buffer.AsSpan(end));
            end += n;
            bytes = bytes[n..];
            Scan();
        }
    }

    public bool TryTake([NotNullWhen(true)] out OsdpFrame? frame) => ready.TryDequeue(out frame);

    /// <summary>Drops a frame that is still incomplete (its sender went quiet), counting it as truncated.</summary>
    public void DiscardPartial()
    {
        if (end > start)
        {
            Reject(OsdpRejectReason.Truncated, buffer.AsSpan(start, end - start));
        }

        start = end = 0;
        inRejectedTail = false;
        garbageRunCounted = false;
    }

    private void Compact()
    {
        if (start == 0)
        {
            return;
        }

        buffer.AsSpan(start, end - start).CopyTo(buffer);
        end -= start;
        start = 0;
    }

    private void Scan()
    {
        while (start < end)
        {
            if (buffer[start] != OsdpFrameEncoder.StartOfMessage)
            {
                var found = buffer.AsSpan(start, end - start).IndexOf(OsdpFrameEncoder.StartOfMessage);
                var skipped = found < 0 ? end - start : found;
                SkipGarbage(buffer.AsSpan(start, skipped));
                start += skipped;
                if (found < 0)
                {
                    return;
                }
            }

            garbageRunCounted = false;
            inRejectedTail = false;
            if (end - start < OsdpFrameEncoder.HeaderLength)
            {
                return;
            }

            var length = buffer[start + 2] | (buffer[start + 3] << 8);
            var control = buffer[start + 4];
            var usesCrc = (control & OsdpFrameEncoder.ControlCrc) != 0;
            var hasSecurityBlock = (control & OsdpFrameEncoder.ControlSecurityBlock) != 0;
            var minimum = OsdpFrameEncoder.HeaderLength + (hasSecurityBlock ? 2 : 0) + 1 + (usesCrc ? 2 : 1);
            if (length < minimum)
            {
                RejectCandidate(OsdpRejectReason.BadLength, OsdpFrameEncoder.HeaderLength);
                continue;
            }

            if (length > maxFrameLength)
            {
                RejectCandidate(OsdpRejectReason.Oversize, OsdpFrameEncoder.HeaderLength);
                continue;
            }

            if (end - start < length)
            {
                return;
            }

            var candidate = buffer.AsSpan(start, length);
            if (!CheckCharacterMatches(candidate, usesCrc))
            {
                RejectCandidate(usesCrc ? OsdpRejectReason.BadCrc : OsdpRejectReason.BadChecksum, length);
                continue;
            }

            var frame = TryBuild(candidate, usesCrc, hasSecurityBlock);
            if (frame is null)
            {
                RejectCandidate(OsdpRejectReason.BadSecurityBlock, length);
                continue;
            }

            ready.Enqueue(frame);
            start += length;
        }
    }

    private static bool CheckCharacterMatches(ReadOnlySpan<byte> frame, bool usesCrc)
    {
        if (usesCrc)
        {
            var crc = OsdpCrc16.Compute(frame[..^2]);
            return frame[^2] == (byte)crc && frame[^1] == (byte)(crc >> 8);
        }

        return frame[^1] == OsdpChecksum.Compute(frame[..^1]);
    }

    private static OsdpFrame? TryBuild(ReadOnlySpan<byte> candidate, bool usesCrc, bool hasSecurityBlock)
    {
        var checkLength = usesCrc ? 2 : 1;
        var position = OsdpFrameEncoder.HeaderLength;
        var macLength = 0;
        var blockLength = 0;
        if (hasSecurityBlock)
        {
            blockLength = candidate[position];
            if (blockLength < 2 || position + blockLength + 1 + checkLength > candidate.Length)
            {
                return null;
            }

            if (SecurityBlockType.CarriesMac(candidate[position + 1]))
            {
                macLength = OsdpFrameEncoder.MacLength;
            }
        }

        var codeAt = position + blockLength;
        var dataLength = candidate.Length - codeAt - 1 - macLength - checkLength;
        if (dataLength < 0)
        {
            return null;
        }

        var bytes = candidate.ToArray();
        return new OsdpFrame
        {
            Address = (byte)(bytes[1] & ~OsdpFrameEncoder.ReplyBit),
            IsReply = (bytes[1] & OsdpFrameEncoder.ReplyBit) != 0,
            Sequence = (byte)(bytes[4] & OsdpFrameEncoder.ControlSequenceMask),
            UsesCrc = usesCrc,
            SecurityBlock = hasSecurityBlock ? new SecurityBlock(bytes[position + 1], bytes.AsMemory(position + 2, blockLength - 2)) : null,
            Code = bytes[codeAt],
            Data = bytes.AsMemory(codeAt + 1, dataLength),
            Mac = bytes.AsMemory(codeAt + 1 + dataLength, macLength),
            Bytes = bytes,
        };
    }

    private void SkipGarbage(ReadOnlySpan<byte> skipped)
    {
        if (inRejectedTail || garbageRunCounted || !skipped.ContainsAnyExcept(IdleFill))
        {
            return;
        }

        garbageRunCounted = true;
        Reject(OsdpRejectReason.Garbage, skipped);
    }

    private void RejectCandidate(OsdpRejectReason reason, int observedLength)
    {
        Reject(reason, buffer.AsSpan(start, Math.Min(observedLength, end - start)));
        start++;
        inRejectedTail = true;
    }

    private void Reject(OsdpRejectReason reason, ReadOnlySpan<byte> bytes)
    {
        rejects.Count(reason);
        observer?.Invoke(reason, bytes);
    }
}
