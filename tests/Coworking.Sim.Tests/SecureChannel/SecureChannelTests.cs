using Coworking.Sim.Cards;
using Coworking.Sim.Osdp.SecureChannel;
using Coworking.Sim.Tests.Support;

namespace Coworking.Sim.Tests.SecureChannel;

public class SecureChannelTests
{
    private static readonly byte[] ReaderKey = Convert.FromHexString("00112233445566778899AABBCCDDEEFF");
    private static readonly byte[] NewKey = Convert.FromHexString("F0E1D2C3B4A5968778695A4B3C2D1E0F");

    [Fact]
    public void Install_mode_reader_accepts_the_default_key_then_answers_inside_the_secure_channel()
    {
        var bus = new BusHarness(BusHarness.Setup(secure: true));
        bus.Ask(0x01, TestCp.Id, [0x00]);

        Assert.True(bus.Handshake(0x01, TestCp.DefaultKey, useDefaultKey: true));
        var ack = bus.Ask(0x01, TestCp.Poll);
        bus.Reader.Present([CardEncoding.H10301(123, 45678)]);
        var raw = bus.Ask(0x01, TestCp.Poll);
        var led = bus.Ask(0x01, TestCp.Led, TestCp.LedRecord(tempColor: 2, tempTimer100ms: 10));

        Assert.Equal([2, 0x16], ack.SecurityBlock);
        Assert.Equal(0x40, ack.Code);
        Assert.Equal([2, 0x18], raw.SecurityBlock);
        Assert.Equal([0x00, 0x01, 26, 0x00, 0xBD, 0xD9, 0x37, 0x40], raw.Data);
        Assert.Equal(0x40, led.Code);
        Assert.Equal("green", bus.Reader.Snapshot().Led);
        Assert.True(bus.Reader.Snapshot().SecureChannelActive);
    }

    [Fact]
    public void Ccrypt_names_the_key_the_reader_used()
    {
        var bus = new BusHarness(BusHarness.Setup(secure: true, scbk: ReaderKey));

        var ccrypt = bus.Exchange(bus.Cp.Challenge(0x01, useDefaultKey: true))!;

        Assert.Equal([3, 0x12, 0x01], ccrypt.SecurityBlock);
        Assert.Equal(32, ccrypt.Data.Length);
        Assert.Null(bus.Cp.ServerCryptogram(0x01, ccrypt, TestCp.DefaultKey));
    }

    [Fact]
    public void Reader_with_its_own_key_refuses_the_default_key_and_accepts_its_key()
    {
        var bus = new BusHarness(BusHarness.Setup(secure: true, scbk: ReaderKey));

        Assert.False(bus.Handshake(0x01, TestCp.DefaultKey, useDefaultKey: true));
        Assert.True(bus.Handshake(0x01, ReaderKey, useDefaultKey: false));
        Assert.Equal(0x40, bus.Ask(0x01, TestCp.Poll).Code);
    }

    [Fact]
    public void Wrong_server_cryptogram_gets_rmac_i_with_the_refusal_status_and_no_session()
    {
        var bus = new BusHarness(BusHarness.Setup(secure: true, scbk: ReaderKey));
        Assert.Equal(0x76, bus.Exchange(bus.Cp.Challenge(0x01, useDefaultKey: false))!.Code);

        var reply = bus.Exchange(bus.Cp.PlainWithBlock(0x01, [3, 0x13, 0x01], TestCp.Scrypt, new byte[16]))!;

        Assert.Equal(0x78, reply.Code);
        Assert.Equal([3, 0x14, 0xFF], reply.SecurityBlock);
        Assert.False(bus.Reader.Snapshot().SecureChannelActive);
    }

    [Fact]
    public void Reader_that_requires_the_secure_channel_refuses_plain_commands_except_id_and_cap()
    {
        var bus = new BusHarness(BusHarness.Setup(secure: true));

        Assert.Equal(0x45, bus.Ask(0x01, TestCp.Id, [0x00]).Code);
        Assert.Equal(0x46, bus.Ask(0x01, TestCp.Cap, [0x00]).Code);
        Assert.Equal((byte)0x06, bus.Ask(0x01, TestCp.Poll).NakCode);
    }

    [Fact]
    public void Reader_without_secure_channel_refuses_a_security_block_with_nak_5()
    {
        var bus = new BusHarness(BusHarness.Setup(secure: false));

        Assert.Equal((byte)0x05, bus.Exchange(bus.Cp.Challenge(0x01, useDefaultKey: true))!.NakCode);
    }

    [Fact]
    public void Command_with_a_forged_mac_is_refused_and_ends_the_session()
    {
        var bus = new BusHarness(BusHarness.Setup(secure: true));
        Assert.True(bus.Handshake(0x01, TestCp.DefaultKey, useDefaultKey: true));
        var poll = bus.Cp.Command(0x01, TestCp.Poll);
        poll[^3] ^= 0x01;

        var reply = bus.Exchange(WithCrc(poll[..^2]))!;

        Assert.Equal((byte)0x06, reply.NakCode);
        Assert.Null(reply.SecurityBlock);
        Assert.False(bus.Reader.Snapshot().SecureChannelActive);
    }

    [Fact]
    public void Keyset_installs_a_new_key_that_the_next_handshake_uses_and_ends_install_mode()
    {
        var path = Path.Combine(Path.GetTempPath(), $"scbk-{Guid.NewGuid():N}.json");
        try
        {
            var bus = new BusHarness(new ScbkStore(path), BusHarness.Setup(secure: true));
            Assert.True(bus.Handshake(0x01, TestCp.DefaultKey, useDefaultKey: true));

            var ack = bus.Ask(0x01, TestCp.Keyset, [0x01, 16, .. NewKey]);

            Assert.Equal(0x40, ack.Code);
            Assert.Equal([2, 0x16], ack.SecurityBlock);
            Assert.Equal(0x40, bus.Ask(0x01, TestCp.Poll).Code);
            Assert.False(bus.Reader.Snapshot().InstallMode);
            Assert.False(bus.Handshake(0x01, TestCp.DefaultKey, useDefaultKey: true));
            Assert.True(bus.Handshake(0x01, NewKey, useDefaultKey: false));
            Assert.Equal(NewKey, new ScbkStore(path).Find(BusHarness.DoorId));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Keyset_outside_the_secure_channel_is_refused()
    {
        var bus = new BusHarness(BusHarness.Setup(secure: true));

        var reply = bus.Ask(0x01, TestCp.Keyset, [0x01, 16, .. NewKey]);

        Assert.Equal((byte)0x06, reply.NakCode);
        Assert.True(bus.Reader.Snapshot().InstallMode);
    }

    [Fact]
    public void Sequence_zero_ends_the_secure_session()
    {
        var bus = new BusHarness(BusHarness.Setup(secure: true));
        Assert.True(bus.Handshake(0x01, TestCp.DefaultKey, useDefaultKey: true));

        var reply = bus.Exchange(bus.Cp.Command(0x01, TestCp.Poll, sequence: 0))!;

        Assert.Equal((byte)0x06, reply.NakCode);
        Assert.False(bus.Reader.Snapshot().SecureChannelActive);
    }

    private static byte[] WithCrc(byte[] body)
    {
        var crc = TestCp.Crc(body);
        return [.. body, (byte)crc, (byte)(crc >> 8)];
    }
}
