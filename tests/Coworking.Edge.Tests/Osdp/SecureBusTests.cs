using System.Text.Json;
using Coworking.Edge.Osdp.Commands;
using Coworking.Edge.Osdp.ControlPanel;
using Coworking.Edge.Osdp.Framing;
using Coworking.Edge.Osdp.Replies;
using Coworking.Edge.Osdp.SecureChannel;
using Microsoft.Extensions.Logging;
using Coworking.Edge.Tests.Osdp.Support;

namespace Coworking.Edge.Tests.Osdp;

public sealed class SecureBusTests : IDisposable
{
    private const string ReaderKey = "00112233445566778899aabbccddeeff";
    private readonly DirectoryInfo directory = Directory.CreateTempSubdirectory("osdp-keys-");

    private string KeyStorePath => Path.Combine(directory.FullName, "osdp-keys.json");

    public void Dispose() => directory.Delete(recursive: true);

    [Fact]
    public async Task Secure_channel_with_the_configured_key_comes_up_and_every_command_is_sealed()
    {
        var pd = new TestPd(1) { Scbk = Convert.FromHexString(ReaderKey) };
        await using var setup = await StartAsync(BusHarness.FastOptions(BusHarness.Reader(1, secure: true, scbk: ReaderKey)), pd);

        await setup.Harness.OnlineAsync(1);
        await setup.Harness.Bus.SetLedAsync(1, LedColor.Green, null, CancellationToken.None);
        await setup.Harness.Bus.PulseOutputAsync(1, 0, TimeSpan.FromSeconds(1), CancellationToken.None);
        Assert.True(await BusHarness.EventuallyAsync(() => pd.Received.Count(c => c.Command is PollCommand) >= 2));

        Assert.True(pd.SecureChannelActive);
        var status = setup.Harness.Bus.GetStatus().Readers.Single();
        Assert.True(status.SecureChannelActive);
        Assert.False(status.InstallMode);
        var afterHandshake = pd.Received.SkipWhile(c => c.Command is not ServerCryptogramCommand).Skip(1).ToList();
        Assert.All(afterHandshake.Where(c => c.Command is PollCommand), c => Assert.Equal(SecurityBlockType.Scs15, c.SecurityBlockType));
        Assert.Equal(SecurityBlockType.Scs17, afterHandshake.Single(c => c.Command is LedCommand).SecurityBlockType);
        Assert.Equal(SecurityBlockType.Scs17, afterHandshake.Single(c => c.Command is OutputCommand).SecurityBlockType);
        Assert.Equal(LedColor.Green, afterHandshake.Select(c => c.Command).OfType<LedCommand>().Single().Leds[0].Permanent.OnColor);
    }

    [Fact]
    public async Task Card_and_keypad_data_arrive_encrypted_and_decoded()
    {
        var pd = new TestPd(1) { Scbk = Convert.FromHexString(ReaderKey) };
        await using var setup = await StartAsync(BusHarness.FastOptions(BusHarness.Reader(1, secure: true, scbk: ReaderKey)), pd);
        await setup.Harness.OnlineAsync(1);

        pd.Present(new RawCardReply(0, 1, 26, Coworking.Edge.Osdp.Cards.CardDecoder.EncodeH10301(77, 4242)));
        pd.Present(new KeypadReply(0, "2468#"u8.ToArray()));

        Assert.Equal((77UL << 16) | 4242, (await setup.Harness.NextAsync<CardPresented>()).Card.Number);
        Assert.Equal("2468", (await setup.Harness.NextAsync<KeypadEntered>()).Digits);
    }

    [Fact]
    public async Task Reader_in_install_mode_is_given_its_own_key_and_reconnected_with_it()
    {
        var pd = new TestPd(1) { InstallMode = true };
        var options = BusHarness.FastOptions(BusHarness.Reader(1, secure: true)) with { KeyStorePath = KeyStorePath };
        await using var setup = await StartAsync(options, pd);

        await setup.Harness.OnlineAsync(1);

        var stored = new OsdpKeyStore(KeyStorePath).Find("test#1");
        Assert.NotNull(stored);
        Assert.Equal(stored, pd.Scbk);
        Assert.NotEqual(PdCrypto.DefaultKey, stored);
        Assert.False(pd.InstallMode);
        var received = pd.Received;
        var keySet = received.Single(c => c.Command is KeySetCommand);
        Assert.Equal(SecurityBlockType.Scs17, keySet.SecurityBlockType);
        Assert.Equal(2, received.Count(c => c.Command is ChallengeCommand));
        var status = setup.Harness.Bus.GetStatus().Readers.Single();
        Assert.True(status.SecureChannelActive);
        Assert.True(status.InstallMode);
        Assert.DoesNotContain(OsdpCrypto.FormatKey(stored), JsonSerializer.Serialize(status), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Restarted_edge_reconnects_to_an_installed_reader_with_the_stored_key()
    {
        var pd = new TestPd(1) { InstallMode = true };
        var options = BusHarness.FastOptions(BusHarness.Reader(1, secure: true)) with { KeyStorePath = KeyStorePath };
        await using (var first = await StartAsync(options, pd))
        {
            await first.Harness.OnlineAsync(1);
        }

        var challengesBefore = pd.Received.Count(c => c.Command is ChallengeCommand);
        await using var second = await StartAsync(options, pd);
        await second.Harness.OnlineAsync(1);

        Assert.Equal(challengesBefore + 1, pd.Received.Count(c => c.Command is ChallengeCommand));
        Assert.Single(pd.Received, c => c.Command is KeySetCommand);
        Assert.True(second.Harness.Bus.GetStatus().Readers.Single().SecureChannelActive);
    }

    [Fact]
    public async Task Reader_holding_another_key_is_not_brought_online_and_the_failures_are_counted()
    {
        var pd = new TestPd(1) { Scbk = Enumerable.Repeat((byte)0x99, 16).ToArray() };
        var options = BusHarness.FastOptions(BusHarness.Reader(1, secure: true, scbk: ReaderKey));
        await using var setup = await StartAsync(options, pd);

        Assert.True(await BusHarness.EventuallyAsync(() => setup.Harness.Bus.GetStatus().Readers.Single().Counters.SecureChannelFailures >= 2));

        var status = setup.Harness.Bus.GetStatus().Readers.Single();
        Assert.False(status.Online);
        Assert.False(status.SecureChannelActive);
        Assert.Contains("secure channel", status.LastError, StringComparison.Ordinal);
        Assert.DoesNotContain(pd.Received, c => c.Command is PollCommand);
    }

    [Fact]
    public async Task Reader_without_secure_channel_support_stays_offline_when_it_is_required()
    {
        var pd = new TestPd(1) { SecureChannelCapable = false };
        await using var setup = await StartAsync(BusHarness.FastOptions(BusHarness.Reader(1, secure: true, scbk: ReaderKey)), pd);

        Assert.True(await BusHarness.EventuallyAsync(() => setup.Harness.Bus.GetStatus().Readers.Single().LastError is not null));

        Assert.False(setup.Harness.Bus.GetStatus().Readers.Single().Online);
        Assert.DoesNotContain(pd.Received, c => c.Command is PollCommand or ChallengeCommand);
    }

    [Fact]
    public async Task Reply_with_a_forged_mac_is_rejected_and_its_card_is_never_presented()
    {
        var pd = new TestPd(1) { Scbk = Convert.FromHexString(ReaderKey) };
        await using var setup = await StartAsync(BusHarness.FastOptions(BusHarness.Reader(1, secure: true, scbk: ReaderKey)), pd);
        await setup.Harness.OnlineAsync(1);

        pd.PresentWithForgedMac(new RawCardReply(0, 0, 8, new byte[] { 0x66 }));
        await setup.Harness.OfflineAsync(1);
        await setup.Harness.OnlineAsync(1);
        pd.Present(new RawCardReply(0, 0, 8, new byte[] { 0x77 }));

        Assert.Equal(0x77UL, (await setup.Harness.NextAsync<CardPresented>()).Card.Number);
        Assert.True(setup.Harness.Bus.GetStatus().Counters.RejectsByReason[OsdpRejectReason.BadMac] >= 1);
    }

    [Fact]
    public async Task Secure_channel_is_rebuilt_after_the_reader_drops_off_and_comes_back()
    {
        var pd = new TestPd(1) { Scbk = Convert.FromHexString(ReaderKey) };
        await using var setup = await StartAsync(BusHarness.FastOptions(BusHarness.Reader(1, secure: true, scbk: ReaderKey)), pd);
        await setup.Harness.OnlineAsync(1);

        pd.Silent = true;
        await setup.Harness.OfflineAsync(1);
        pd.Silent = false;
        await setup.Harness.OnlineAsync(1);

        Assert.True(setup.Harness.Bus.GetStatus().Readers.Single().SecureChannelActive);
        Assert.Equal(OsdpCommandResult.Acknowledged, await setup.Harness.Bus.SetLedAsync(1, LedColor.Red, null, CancellationToken.None));
    }

    [Fact]
    public async Task Logs_never_carry_card_numbers_pins_or_keys()
    {
        var logger = new ListLogger<OsdpBus>();
        var plain = new TestPd(1);
        var installing = new TestPd(2) { InstallMode = true };
        var (cp, pdEnd) = InMemoryLink.CreatePair();
        var options = BusHarness.FastOptions(BusHarness.Reader(1), BusHarness.Reader(2, secure: true)) with { KeyStorePath = KeyStorePath };
        await using (var responder = new TestPdResponder(pdEnd, plain, installing))
        await using (var harness = new BusHarness(options, cp, logger))
        {
            await harness.OnlineAsync(1);
            await harness.OnlineAsync(2);
            plain.Present(new RawCardReply(0, 1, 26, Coworking.Edge.Osdp.Cards.CardDecoder.EncodeH10301(201, 60817)));
            var bad = Coworking.Edge.Osdp.Cards.CardDecoder.EncodeH10301(202, 60818);
            bad[2] ^= 0x10;
            plain.Present(new RawCardReply(0, 1, 26, bad));
            installing.Present(new KeypadReply(0, "97531#"u8.ToArray()));
            plain.Present(new FormattedCardReply(0, 0, "88664422"));
            await harness.NextAsync<CardPresented>();
            await harness.NextAsync<KeypadEntered>();
            await harness.NextAsync<CardPresented>();
        }

        var key = OsdpCrypto.FormatKey(new OsdpKeyStore(KeyStorePath).Find("test#2")!);
        var log = string.Join("\n", logger.Lines);
        Assert.Contains("card read", log, StringComparison.Ordinal);
        Assert.Contains("ParityError", log, StringComparison.Ordinal);
        foreach (var secret in new[] { "60817", "13233553", "60818", "97531", "88664422", key })
        {
            Assert.DoesNotContain(secret, log, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public void Key_store_survives_reopening_and_is_readable_only_by_its_owner()
    {
        var key = Enumerable.Range(1, 16).Select(i => (byte)i).ToArray();
        new OsdpKeyStore(KeyStorePath).Save("ttyUSB0#3", key);

        Assert.Equal(key, new OsdpKeyStore(KeyStorePath).Find("ttyUSB0#3"));
        Assert.Null(new OsdpKeyStore(KeyStorePath).Find("ttyUSB0#4"));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(KeyStorePath));
        }
    }

    private static async Task<Setup> StartAsync(OsdpBusOptions options, params TestPd[] pds)
    {
        var (cp, pdEnd) = InMemoryLink.CreatePair();
        var responder = new TestPdResponder(pdEnd, pds);
        await Task.Yield();
        return new Setup(responder, new BusHarness(options, cp));
    }

    private sealed record Setup(TestPdResponder Responder, BusHarness Harness) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Harness.DisposeAsync();
            await Responder.DisposeAsync();
        }
    }
}
