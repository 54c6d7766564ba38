using Coworking.Edge.Osdp.Commands;
using Coworking.Edge.Osdp.Replies;

namespace Coworking.Edge.Tests.Osdp;

public sealed class MessageTests
{
    public static TheoryData<OsdpCommand> Commands() =>
    [
        new PollCommand(),
        new IdCommand(),
        new CapabilitiesCommand(),
        new LocalStatusCommand(),
        new InputStatusCommand(),
        new OutputStatusCommand(),
        new OutputCommand([new OutputControl(0, OutputControlCode.TemporaryOnThenOff, 50), new OutputControl(1, OutputControlCode.PermanentOnAbortTimed, 0)]),
        new LedCommand([LedControl.SteadyColor(LedColor.Red), LedControl.TemporaryColor(LedColor.Green, 30)]),
        new BuzzerCommand(0, BuzzerTone.Default, 2, 2, 3),
        new ComSetCommand(0x22, 115200),
        new KeySetCommand(KeySetCommand.SecureChannelBaseKey, Enumerable.Range(0, 16).Select(i => (byte)i).ToArray()),
        new ChallengeCommand(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 }),
        new ServerCryptogramCommand(Enumerable.Range(100, 16).Select(i => (byte)i).ToArray()),
    ];

    public static TheoryData<OsdpReply> Replies() =>
    [
        new AckReply(),
        new NakReply(NakError.UnknownCommand, Array.Empty<byte>()),
        new PdIdReply(0x0C0B0A, 7, 2, 0x12345678, 1, 2, 3),
        new PdCapabilitiesReply([new PdCapability(CapabilityFunction.CommunicationSecurity, 1, 0), new PdCapability(CapabilityFunction.OutputControl, 1, 4)]),
        new LocalStatusReply(true, false),
        new InputStatusReply([true, false, true]),
        new OutputStatusReply([false, true]),
        new RawCardReply(0, 1, 26, new byte[] { 0xDE, 0xAD, 0xBE, 0xC0 }),
        new FormattedCardReply(0, 0, "0123456789"),
        new KeypadReply(0, new byte[] { (byte)'1', (byte)'2', KeypadReply.EnterKey }),
        new ComReply(0x22, 38400),
        new ClientCryptogramReply(new byte[8], Enumerable.Range(1, 8).Select(i => (byte)i).ToArray(), Enumerable.Range(0, 16).Select(i => (byte)i).ToArray()),
        new InitialRmacReply(Enumerable.Range(0, 16).Select(i => (byte)(i * 3)).ToArray()),
        new BusyReply(),
    ];

    [Theory]
    [MemberData(nameof(Commands))]
    public void Command_decodes_from_its_own_encoding(OsdpCommand command)
    {
        var data = command.EncodeData();

        Assert.True(OsdpCommand.TryDecode(command.Code, data, out var decoded));
        Assert.Equal(command.GetType(), decoded.GetType());
        Assert.Equal(data, decoded.EncodeData());
    }

    [Theory]
    [MemberData(nameof(Replies))]
    public void Reply_decodes_from_its_own_encoding(OsdpReply reply)
    {
        var data = reply.EncodeData();

        Assert.True(OsdpReply.TryDecode(reply.Code, data, out var decoded));
        Assert.Equal(reply.GetType(), decoded.GetType());
        Assert.Equal(data, decoded.EncodeData());
    }

    [Theory]
    [InlineData(ReplyCode.Ack, "00")]
    [InlineData(ReplyCode.Nak, "")]
    [InlineData(ReplyCode.PdId, "0102")]
    [InlineData(ReplyCode.PdCapabilities, "0901")]
    [InlineData(ReplyCode.LocalStatus, "00")]
    [InlineData(ReplyCode.RawCard, "00011A00DEAD")]
    [InlineData(ReplyCode.FormattedCard, "000005313233")]
    [InlineData(ReplyCode.Keypad, "000331")]
    [InlineData(ReplyCode.ClientCryptogram, "0102")]
    [InlineData(ReplyCode.Busy, "01")]
    [InlineData(0x7E, "")]
    public void Reply_whose_data_does_not_fit_its_code_is_not_decoded(byte code, string hex)
    {
        Assert.False(OsdpReply.TryDecode(code, Convert.FromHexString(hex), out _));
    }

    [Fact]
    public void Credential_carrying_messages_never_show_their_data_as_text()
    {
        var raw = new RawCardReply(0, 1, 26, new byte[] { 0x12, 0x34, 0x56, 0x40 });
        var formatted = new FormattedCardReply(0, 0, "987654321");
        var keypad = new KeypadReply(0, "4711"u8.ToArray());
        var keySet = new KeySetCommand(1, Enumerable.Repeat((byte)0xAB, 16).ToArray());

        Assert.DoesNotContain("12", raw.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("987654321", formatted.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("4711", keypad.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("AB", keySet.ToString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Capabilities_say_whether_crc_and_the_secure_channel_are_supported()
    {
        var capable = new PdCapabilitiesReply([new PdCapability(CapabilityFunction.CommunicationSecurity, 1, 0), new PdCapability(CapabilityFunction.CheckCharacterSupport, 1, 0)]);
        var plain = new PdCapabilitiesReply([new PdCapability(CapabilityFunction.CheckCharacterSupport, 0, 0)]);

        Assert.True(capable.SupportsSecureChannel);
        Assert.True(capable.SupportsCrc);
        Assert.False(plain.SupportsSecureChannel);
        Assert.False(plain.SupportsCrc);
    }
}
