using System.Text;
using Coworking.Sim.Osdp.Framing;

namespace Coworking.Sim.Tests.Framing;

public class CheckCharacterTests
{
    [Fact]
    public void Crc16_gives_the_aug_ccitt_check_value()
    {
        Assert.Equal(0xE5CC, Crc16.Compute(Encoding.ASCII.GetBytes("123456789")));
    }

    [Theory]
    [InlineData("53 00 09 00 04 61 00", 0x66C0)] // osdp_ID to address 0, SQN 0, captured from a CP talking to an HID reader
    [InlineData("53 00 08 00 06 60", 0xCC89)] // osdp_POLL, SQN 2, from the SIA conformance tool's trace
    [InlineData("53 80 08 00 06 40", 0xCA3B)] // the PD's osdp_ACK to it
    public void Crc16_matches_frames_captured_from_real_osdp_traffic(string hex, int crc)
    {
        Assert.Equal(crc, Crc16.Compute(Convert.FromHexString(hex.Replace(" ", string.Empty, StringComparison.Ordinal))));
    }

    [Fact]
    public void Checksum_makes_the_frame_bytes_sum_to_zero()
    {
        byte[] frame = [0x53, 0x01, 0x07, 0x00, 0x01, 0x60];
        var sum = frame.Sum(b => b) + Checksum.Compute(frame);
        Assert.Equal(0, sum & 0xFF);
        Assert.Equal(0x44, Checksum.Compute(frame));
    }

    [Fact]
    public void Test_cp_crc_agrees_with_the_sims_crc_on_random_data()
    {
        var random = new Random(7);
        for (var i = 0; i < 200; i++)
        {
            var data = new byte[random.Next(1, 300)];
            random.NextBytes(data);
            Assert.Equal(Support.TestCp.Crc(data), Crc16.Compute(data));
        }
    }
}
