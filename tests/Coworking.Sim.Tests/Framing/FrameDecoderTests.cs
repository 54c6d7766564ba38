using Coworking.Sim.Osdp.Framing;
using Coworking.Sim.Tests.Support;

namespace Coworking.Sim.Tests.Framing;

public class FrameDecoderTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);

    private readonly FrameDecoder decoder = new();
    private readonly List<OsdpFrame> frames = [];

    [Fact]
    public void Frame_after_line_noise_is_decoded_and_the_noise_counted()
    {
        var poll = new TestCp().Command(0x01, TestCp.Poll);

        decoder.Push([0x00, 0x12, 0xFE, .. poll], Now, frames);

        var frame = Assert.Single(frames);
        Assert.Equal(FrameError.None, frame.Error);
        Assert.Equal(0x01, frame.Address);
        Assert.Equal(0x60, frame.Content!.Code);
        Assert.Equal(3, decoder.Counters.GarbageBytes);
    }

    [Fact]
    public void Frame_split_across_reads_is_reassembled()
    {
        var id = new TestCp().Command(0x05, TestCp.Id, [0x00]);

        foreach (var b in id)
        {
            decoder.Push([b], Now, frames);
        }

        var frame = Assert.Single(frames);
        Assert.Equal([0x00], frame.Content!.Data);
        Assert.Equal(0, decoder.Counters.Rejected);
    }

    [Fact]
    public void Mark_byte_before_som_is_not_noise_and_is_remembered()
    {
        var poll = new TestCp().Command(0x01, TestCp.Poll);

        decoder.Push([0xFF], Now, frames);
        decoder.Push(poll, Now, frames);

        Assert.True(Assert.Single(frames).HadMark);
        Assert.Equal(0, decoder.Counters.GarbageBytes);
    }

    [Fact]
    public void Frame_with_bad_crc_is_counted_and_marked_not_parsed()
    {
        var poll = new TestCp().Command(0x01, TestCp.Poll);
        poll[^1] ^= 0x01;

        decoder.Push(poll, Now, frames);

        var frame = Assert.Single(frames);
        Assert.Equal(FrameError.BadCheck, frame.Error);
        Assert.Null(frame.Content);
        Assert.Equal(1, decoder.Counters.BadCheck);
    }

    [Fact]
    public void Impossible_length_is_counted_and_the_next_frame_still_decodes()
    {
        var poll = new TestCp().Command(0x01, TestCp.Poll);

        decoder.Push([0x53, 0x01, 0xFF, 0xFF, 0x04, .. poll], Now, frames);

        Assert.Equal(0x60, Assert.Single(frames).Content!.Code);
        Assert.Equal(1, decoder.Counters.BadLength);
    }

    [Fact]
    public void Security_block_longer_than_the_frame_is_malformed()
    {
        byte[] body = [0x53, 0x01, 0x0A, 0x00, 0x0C, 0x09, 0x15, 0x60];
        var crc = Crc16.Compute(body);

        decoder.Push([.. body, (byte)crc, (byte)(crc >> 8)], Now, frames);

        Assert.Equal(FrameError.Malformed, Assert.Single(frames).Error);
        Assert.Equal(1, decoder.Counters.Malformed);
    }

    [Fact]
    public void Stale_partial_frame_is_dropped_when_bytes_arrive_after_a_pause()
    {
        var poll = new TestCp().Command(0x01, TestCp.Poll);

        decoder.Push([0x53, 0x01, 0x40, 0x00], Now, frames);
        decoder.Push(poll, Now.AddSeconds(1), frames);

        Assert.Equal(0x60, Assert.Single(frames).Content!.Code);
    }

    [Fact]
    public void Random_and_mutated_bytes_never_throw_and_every_rejection_is_counted()
    {
        var random = new Random(1234);
        var cp = new TestCp();
        for (var i = 0; i < 20_000; i++)
        {
            var bytes = cp.Command((byte)random.Next(0, 0x80), (byte)random.Next(0x60, 0x80), RandomData(random));
            for (var flips = random.Next(0, 3); flips > 0; flips--)
            {
                bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
            }

            var noise = new byte[random.Next(0, 8)];
            random.NextBytes(noise);
            decoder.Push([.. noise, .. bytes], Now.AddMilliseconds(i), frames);
        }

        var valid = frames.Count(f => f.Error == FrameError.None);
        Assert.True(valid > 0);
        Assert.True(decoder.Counters.Rejected > 0);
        Assert.Equal(valid, decoder.Counters.Frames);
        Assert.All(frames.Where(f => f.Error == FrameError.None), f => Assert.NotNull(f.Content));
    }

    private static byte[] RandomData(Random random)
    {
        var data = new byte[random.Next(0, 40)];
        random.NextBytes(data);
        return data;
    }
}
