using Coworking.Edge.Osdp.Cards;
using Coworking.Edge.Osdp.Commands;
using Coworking.Edge.Osdp.Framing;
using Coworking.Edge.Osdp.Replies;
using Coworking.Edge.Osdp.SecureChannel;

namespace Coworking.Edge.Tests.Osdp;

/// <summary>
/// Bounded, seeded fuzzing of everything that reads bytes from the bus. A delivered frame is checked
/// against a reference (bit-by-bit CRC written here, not the table the parser uses) so that "delivered"
/// always means "its check character and structure are right".
/// </summary>
public sealed class FuzzTests
{
    private const int StreamItems = 1_000_000;
    private const int IsolatedItems = 300_000;

    private enum Item
    {
        Intact,
        BitFlips,
        Truncated,
        LengthLie,
        RandomFrame,
        RandomBytes,
    }

    [Fact]
    public void Parser_survives_a_million_random_and_mutated_frames_and_delivers_only_frames_that_check()
    {
        var random = new Random(20250601);
        var pool = Pool(random, 4096, avoidInnerStart: false);
        var rejects = new OsdpRejectCounters();
        var parser = new OsdpFrameParser(rejects);
        var inserted = new Dictionary<string, int>(StringComparer.Ordinal);
        var intactCount = 0;
        var recovered = 0;
        var delivered = 0;
        var chunk = new List<byte>(4096);

        for (var i = 0; i < StreamItems; i++)
        {
            var kind = (Item)random.Next(6);
            var frame = pool[random.Next(pool.Length)];
            switch (kind)
            {
                case Item.Intact:
                    chunk.AddRange(frame);
                    var key = Convert.ToHexString(frame);
                    inserted[key] = inserted.GetValueOrDefault(key) + 1;
                    intactCount++;
                    break;
                case Item.RandomBytes:
                    chunk.AddRange(RandomBytes(random, random.Next(1, 24)));
                    break;
                default:
                    chunk.AddRange(Mutate(random, kind, frame));
                    break;
            }

            if (chunk.Count < 2048 && i != StreamItems - 1)
            {
                continue;
            }

            FeedInRandomPieces(random, parser, chunk);
            chunk.Clear();
            while (parser.TryTake(out var taken))
            {
                delivered++;
                var bytes = taken.Bytes.ToArray();
                Assert.True(ReferenceValid(bytes), $"delivered a frame that fails its check: {Convert.ToHexString(bytes)}");
                DecodeAsEverything(taken);
                var key = Convert.ToHexString(bytes);
                if (inserted.TryGetValue(key, out var left) && left > 0)
                {
                    inserted[key] = left - 1;
                    recovered++;
                }
            }
        }

        Assert.True(recovered >= intactCount * 0.99, $"recovered {recovered} of {intactCount} intact frames");
        Assert.True(delivered < intactCount * 1.01 + 1000, $"delivered {delivered} frames for {intactCount} intact ones");
        foreach (var reason in new[] { OsdpRejectReason.Garbage, OsdpRejectReason.BadCrc, OsdpRejectReason.BadChecksum, OsdpRejectReason.BadLength, OsdpRejectReason.Oversize })
        {
            Assert.True(rejects[reason] > 0, $"no {reason} counted");
        }
    }

    [Fact]
    public void Damaged_frame_is_never_delivered_and_each_one_is_counted()
    {
        var random = new Random(4711);
        var pool = Pool(random, 2048, avoidInnerStart: true);
        var rejects = new OsdpRejectCounters();
        var parser = new OsdpFrameParser(rejects);
        var damagedFrames = 0;

        for (var i = 0; i < IsolatedItems; i++)
        {
            var frame = pool[random.Next(pool.Length)];
            var kind = (Item)random.Next((int)Item.BitFlips, (int)Item.LengthLie + 1);
            var damaged = Mutate(random, kind, frame);
            if (damaged.AsSpan().SequenceEqual(frame))
            {
                continue;
            }

            damagedFrames++;
            var before = rejects.Total;
            parser.Feed(damaged);
            parser.DiscardPartial();
            while (parser.TryTake(out var taken))
            {
                var bytes = taken.Bytes.ToArray();
                Assert.False(bytes.AsSpan().SequenceEqual(damaged), $"delivered damaged frame {Convert.ToHexString(damaged)}");
                Assert.True(ReferenceValid(bytes));
            }

            if (kind == Item.BitFlips)
            {
                Assert.True(rejects.Total > before, $"bit flips in {Convert.ToHexString(damaged)} were not counted");
            }
        }

        Assert.True(rejects.Total >= damagedFrames * 0.99, $"{rejects.Total} rejects for {damagedFrames} damaged frames");
        Assert.Equal(0, parser.Buffered);
    }

    [Fact]
    public void Decoders_never_throw_on_random_data_for_any_code()
    {
        var random = new Random(99);
        for (var code = 0; code < 256; code++)
        {
            for (var i = 0; i < 1000; i++)
            {
                var data = RandomBytes(random, random.Next(0, 48));
                OsdpReply.TryDecode((byte)code, data, out var reply);
                OsdpCommand.TryDecode((byte)code, data, out _);
                if (reply is RawCardReply raw)
                {
                    CardDecoder.TryDecode(raw, out _, out _);
                }

                if (reply is FormattedCardReply formatted)
                {
                    CardDecoder.TryDecode(formatted, out _, out _);
                }
            }
        }

        for (var i = 0; i < 100_000; i++)
        {
            CardDecoder.TryDecodeBits(random.Next(-2, 200), RandomBytes(random, random.Next(0, 30)), out _, out _);
        }
    }

    [Fact]
    public void Random_secure_replies_never_pass_the_mac_check()
    {
        var random = new Random(1234);
        var rejects = new OsdpRejectCounters();
        var session = EstablishedSession();
        var parser = new OsdpFrameParser(rejects);
        var accepted = 0;
        for (var i = 0; i < 100_000; i++)
        {
            var type = random.Next(2) == 0 ? SecurityBlockType.Scs16 : SecurityBlockType.Scs18;
            var data = RandomBytes(random, type == SecurityBlockType.Scs18 ? 16 * random.Next(0, 3) : random.Next(0, 20));
            var frame = OsdpFrameEncoder.Encode(
                new OsdpFrameHeader(1, true, 1, true),
                (byte)random.Next(0x40, 0x80),
                data,
                new SecurityBlock(type, ReadOnlyMemory<byte>.Empty),
                (_, mac) => random.NextBytes(mac));
            parser.Feed(frame);
            Assert.True(parser.TryTake(out var parsed));
            if (session.TryOpenReply(parsed, out _) is null)
            {
                accepted++;
            }
        }

        Assert.Equal(0, accepted);
    }

    private static SecureSession EstablishedSession()
    {
        var scbk = new byte[16];
        var handshake = new SecureChannelHandshake(scbk, isDefaultKey: false);
        var cpRandom = handshake.Challenge().CpRandom.Span;
        var pdRandom = new byte[8];
        var keys = OsdpCrypto.DeriveSessionKeys(scbk, cpRandom);
        Assert.True(handshake.TryAcceptClientCryptogram(new ClientCryptogramReply(new byte[8], pdRandom, OsdpCrypto.ClientCryptogram(keys, cpRandom, pdRandom))));
        var rmac = OsdpCrypto.InitialRmac(keys, OsdpCrypto.ServerCryptogram(keys, cpRandom, pdRandom));
        Assert.True(handshake.TryComplete(new InitialRmacReply(rmac), out var session));
        session!.SealCommand(new OsdpFrameHeader(1, false, 1, true), CommandCode.Poll, []);
        return session;
    }

    private static byte[][] Pool(Random random, int count, bool avoidInnerStart)
    {
        var pool = new List<byte[]>(count);
        while (pool.Count < count)
        {
            var frame = RandomValidFrame(random);
            if (!avoidInnerStart || !frame.AsSpan(1).Contains(OsdpFrameEncoder.StartOfMessage))
            {
                pool.Add(frame);
            }
        }

        return [.. pool];
    }

    private static byte[] RandomValidFrame(Random random)
    {
        var header = new OsdpFrameHeader((byte)random.Next(0, 0x80), random.Next(2) == 0, (byte)random.Next(4), random.Next(3) != 0);
        var data = RandomBytes(random, random.Next(0, 33));
        var code = (byte)random.Next(0x40, 0x80);
        return random.Next(4) switch
        {
            0 => OsdpFrameEncoder.Encode(header, code, data, new SecurityBlock((byte)random.Next(0x11, 0x15), new[] { (byte)random.Next(2) })),
            1 => OsdpFrameEncoder.Encode(header, code, data, new SecurityBlock((byte)random.Next(0x15, 0x19), ReadOnlyMemory<byte>.Empty), (_, mac) => random.NextBytes(mac)),
            _ => OsdpFrameEncoder.Encode(header, code, data),
        };
    }

    private static byte[] Mutate(Random random, Item kind, byte[] frame)
    {
        var damaged = (byte[])frame.Clone();
        switch (kind)
        {
            case Item.BitFlips:
                // Never the SOM, the LEN bytes or the check-mode bit: damage a check character is guaranteed to catch.
                var usesCrc = (frame[4] & 0x04) != 0;
                var flips = usesCrc ? random.Next(1, 4) : 1;
                var positions = new HashSet<int>();
                while (positions.Count < flips)
                {
                    var at = random.Next(1, frame.Length * 8);
                    var index = at / 8;
                    var mask = (byte)(1 << (at % 8));
                    if (index is 2 or 3 || (index == 4 && mask == 0x04) || (index == 0))
                    {
                        continue;
                    }

                    positions.Add(at);
                }

                foreach (var at in positions)
                {
                    damaged[at / 8] ^= (byte)(1 << (at % 8));
                }

                return damaged;
            case Item.Truncated:
                return damaged[..random.Next(1, frame.Length)];
            case Item.LengthLie:
                var length = frame.Length + random.Next(-8, 9);
                if (length == frame.Length)
                {
                    length++;
                }

                damaged[2] = (byte)length;
                damaged[3] = (byte)(Math.Max(length, 0) >> 8);
                return damaged;
            default:
                var randomFrame = RandomBytes(random, random.Next(5, 40));
                randomFrame[0] = OsdpFrameEncoder.StartOfMessage;
                randomFrame[3] = (byte)(random.Next(10) == 0 ? random.Next(256) : 0);
                return randomFrame;
        }
    }

    private static void FeedInRandomPieces(Random random, OsdpFrameParser parser, List<byte> bytes)
    {
        var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes);
        while (!span.IsEmpty)
        {
            var n = Math.Min(span.Length, random.Next(1, 300));
            parser.Feed(span[..n]);
            span = span[n..];
        }
    }

    private static void DecodeAsEverything(OsdpFrame frame)
    {
        if (OsdpReply.TryDecode(frame.Code, frame.Data.Span, out var reply) && reply is RawCardReply raw)
        {
            CardDecoder.TryDecode(raw, out _, out _);
        }

        OsdpCommand.TryDecode(frame.Code, frame.Data.Span, out _);
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    /// <summary>Frame validity from first principles: SOM, LEN = size, security block inside, check character by bit-wise CRC or sum.</summary>
    private static bool ReferenceValid(byte[] frame)
    {
        if (frame.Length < 7 || frame[0] != 0x53 || (frame[2] | (frame[3] << 8)) != frame.Length)
        {
            return false;
        }

        var crc = (frame[4] & 0x04) != 0;
        var body = frame.Length - (crc ? 2 : 1);
        if ((frame[4] & 0x08) != 0)
        {
            var blockLength = frame[5];
            var mac = frame[6] is >= 0x15 and <= 0x18 ? 4 : 0;
            if (blockLength < 2 || 5 + blockLength + 1 + mac > body)
            {
                return false;
            }
        }

        if (!crc)
        {
            var sum = 0;
            foreach (var b in frame)
            {
                sum += b;
            }

            return (sum & 0xFF) == 0;
        }

        var value = 0x1D0F;
        for (var i = 0; i < body; i++)
        {
            value ^= frame[i] << 8;
            for (var bit = 0; bit < 8; bit++)
            {
                value = (value & 0x8000) != 0 ? ((value << 1) ^ 0x1021) & 0xFFFF : (value << 1) & 0xFFFF;
            }
        }

        return frame[body] == (value & 0xFF) && frame[body + 1] == value >> 8;
    }
}
