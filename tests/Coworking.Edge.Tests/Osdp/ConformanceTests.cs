using Coworking.Edge.Osdp.Commands;
using Coworking.Edge.Osdp.ControlPanel;
using Coworking.Edge.Osdp.Framing;
using Coworking.Edge.Osdp.Replies;
using Coworking.Edge.Osdp.SecureChannel;
using Coworking.Edge.Tests.Osdp.Support;

namespace Coworking.Edge.Tests.Osdp;

/// <summary>
/// The SIA OSDP Verified tests for the control panel (ACU) side, profiles Basic and Secure Channel, that no other
/// bus test already shows (docs/OSDP.md §10 maps every Required test to the test that shows it).
/// </summary>
public sealed class ConformanceTests : IDisposable
{
    private readonly DirectoryInfo directory = Directory.CreateTempSubdirectory("osdp-conformance-");

    private string KeyStorePath => Path.Combine(directory.FullName, "osdp-keys.json");

    public void Dispose() => directory.Delete(recursive: true);

    // 060-16-04 key rotation, 060-16-02 the new key only in the next session.
    [Fact]
    public async Task Rotated_key_is_sent_in_the_current_session_and_used_from_the_next_one()
    {
        var pd = new TestPd(1) { InstallMode = true };
        var options = BusHarness.FastOptions(BusHarness.Reader(1, secure: true)) with { KeyStorePath = KeyStorePath };
        await using var setup = await StartAsync(options, pd);
        await setup.Harness.SettledAsync(pd);
        var installed = pd.Scbk!;
        var challengesBefore = pd.Received.Count(c => c.Command is ChallengeCommand);

        var result = await setup.Harness.Bus.RotateKeyAsync(1, CancellationToken.None);

        Assert.Equal(OsdpCommandResult.Acknowledged, result);
        Assert.True(await BusHarness.EventuallyAsync(() => pd.Received.Count(c => c.Command is ChallengeCommand) > challengesBefore
            && pd.SecureChannelActive && setup.Harness.Bus.GetStatus().Readers.Single().SecureChannelActive));
        Assert.NotEqual(installed, pd.Scbk);
        var store = new OsdpKeyStore(KeyStorePath);
        Assert.Equal(pd.Scbk, store.Find("test#1"));
        Assert.True(await BusHarness.EventuallyAsync(() => new OsdpKeyStore(KeyStorePath).Find("test#1#previous") is null));
        var rotation = pd.Received.Last(c => c.Command is KeySetCommand);
        Assert.Equal(SecurityBlockType.Scs17, rotation.SecurityBlockType);
        Assert.True(setup.Harness.Bus.GetStatus().Readers.Single().Online);
    }

    [Fact]
    public async Task Refused_key_rotation_leaves_the_reader_on_its_current_key_and_session()
    {
        var pd = new TestPd(1) { InstallMode = true };
        var options = BusHarness.FastOptions(BusHarness.Reader(1, secure: true)) with { KeyStorePath = KeyStorePath };
        await using var setup = await StartAsync(options, pd);
        await setup.Harness.SettledAsync(pd);
        var installed = pd.Scbk!;

        pd.NakCommands = 1;
        var result = await setup.Harness.Bus.RotateKeyAsync(1, CancellationToken.None);

        Assert.Equal(OsdpCommandResult.Rejected, result);
        Assert.Equal(installed, pd.Scbk);
        Assert.Equal(installed, new OsdpKeyStore(KeyStorePath).Find("test#1"));
        Assert.Null(new OsdpKeyStore(KeyStorePath).Find("test#1#previous"));
        var status = setup.Harness.Bus.GetStatus().Readers.Single();
        Assert.True(status.Online);
        Assert.True(status.SecureChannelActive);
    }

    [Fact]
    public async Task Key_written_in_the_configuration_is_not_rotated_on_the_bus()
    {
        var pd = new TestPd(1) { Scbk = Convert.FromHexString("00112233445566778899aabbccddeeff") };
        await using var setup = await StartAsync(BusHarness.FastOptions(BusHarness.Reader(1, secure: true, scbk: "00112233445566778899aabbccddeeff")), pd);
        await setup.Harness.OnlineAsync(1);

        Assert.Throws<InvalidOperationException>(() => { _ = setup.Harness.Bus.RotateKeyAsync(1, CancellationToken.None); });
        Assert.Throws<InvalidOperationException>(() => setup.Harness.Bus.ReturnToInstallMode(1));
    }

    // 060-16-03 SCS re-key: the ACU ceases to use the paired key and returns to install mode.
    [Fact]
    public async Task Reader_returned_to_install_mode_is_reached_again_only_once_it_is_reset_and_then_gets_a_new_key()
    {
        var pd = new TestPd(1) { InstallMode = true };
        var options = BusHarness.FastOptions(BusHarness.Reader(1, secure: true)) with { KeyStorePath = KeyStorePath };
        await using var setup = await StartAsync(options, pd);
        await setup.Harness.SettledAsync(pd);
        var paired = pd.Scbk!;

        setup.Harness.Bus.ReturnToInstallMode(1);
        await setup.Harness.OfflineAsync(1);

        Assert.Null(new OsdpKeyStore(KeyStorePath).Find("test#1"));
        Assert.False(pd.SecureChannelActive);
        pd.InstallMode = true;
        await setup.Harness.OnlineAsync(1);
        Assert.NotEqual(paired, pd.Scbk);
        Assert.Equal(pd.Scbk, new OsdpKeyStore(KeyStorePath).Find("test#1"));
    }

    // 060-16-05 COMSET inside the secure channel.
    [Fact]
    public async Task Comset_inside_the_secure_channel_is_sealed_and_the_reader_is_reached_securely_at_its_new_address()
    {
        const string key = "00112233445566778899aabbccddeeff";
        var pd = new TestPd(1) { Scbk = Convert.FromHexString(key) };
        await using var setup = await StartAsync(BusHarness.FastOptions(BusHarness.Reader(1, secure: true, scbk: key)), pd);
        await setup.Harness.SettledAsync(pd);

        var result = await setup.Harness.Bus.SetCommunicationAsync(1, 6, 115200, CancellationToken.None);

        Assert.Equal(OsdpCommandResult.Acknowledged, result);
        Assert.Equal(SecurityBlockType.Scs17, pd.Received.Single(c => c.Command is ComSetCommand).SecurityBlockType);
        Assert.True(await BusHarness.EventuallyAsync(() => setup.Harness.Bus.GetStatus().Readers.Single() is { Address: 6, Online: true, SecureChannelActive: true }));
        Assert.True(pd.SecureChannelActive);
    }

    // 070-17-02 a malformed RMAC-I halts the secure channel session.
    [Fact]
    public async Task Initial_rmac_that_does_not_follow_from_the_key_halts_the_secure_channel_and_the_reader_stays_offline()
    {
        const string key = "00112233445566778899aabbccddeeff";
        var pd = new TestPd(1) { Scbk = Convert.FromHexString(key), CorruptInitialRmac = true };
        await using var setup = await StartAsync(BusHarness.FastOptions(BusHarness.Reader(1, secure: true, scbk: key)), pd);

        Assert.True(await BusHarness.EventuallyAsync(() => setup.Harness.Bus.GetStatus().Readers.Single().Counters.WrongKey >= 2));

        var status = setup.Harness.Bus.GetStatus().Readers.Single();
        Assert.False(status.Online);
        Assert.False(status.SecureChannelActive);
        Assert.Contains("initial R-MAC", status.LastError, StringComparison.Ordinal);
        Assert.DoesNotContain(pd.Received, c => c.Command is PollCommand);
    }

    // 050-09-15 only CRC-16 in the secure channel profile.
    [Fact]
    public async Task Reader_offering_only_the_checksum_is_not_given_a_secure_channel()
    {
        const string key = "00112233445566778899aabbccddeeff";
        var pd = new TestPd(1) { Scbk = Convert.FromHexString(key), SupportsCrc = false };
        await using var setup = await StartAsync(BusHarness.FastOptions(BusHarness.Reader(1, secure: true, scbk: key)), pd);

        Assert.True(await BusHarness.EventuallyAsync(() => setup.Harness.Bus.GetStatus().Readers.Single().LastError?.Contains("CRC-16", StringComparison.Ordinal) == true));

        Assert.False(setup.Harness.Bus.GetStatus().Readers.Single().Online);
        Assert.DoesNotContain(pd.Received, c => c.Command is ChallengeCommand);
    }

    // 050-09-19 a reply with the wrong sequence number is detected and not acted on.
    [Fact]
    public async Task Reply_with_the_wrong_sequence_number_is_rejected_and_the_command_is_retried()
    {
        var pd = new TestPd(1);
        await using var setup = await StartAsync(BusHarness.FastOptions(BusHarness.Reader(1)), pd);
        await setup.Harness.SettledAsync(pd);

        pd.WrongSequenceReplies = 1;
        var result = await setup.Harness.Bus.SetLedAsync(1, LedColor.Red, null, CancellationToken.None);

        Assert.Equal(OsdpCommandResult.Acknowledged, result);
        var status = setup.Harness.Bus.GetStatus();
        Assert.Equal(1, status.Counters.RejectsByReason[OsdpRejectReason.BadSequence]);
        Assert.Contains(status.Readers.Single().RejectedFrames, f => f.Detail.Contains("sequence number", StringComparison.Ordinal));
        Assert.Single(pd.Received, c => c.Command is LedCommand);
    }

    // 050-06-02 PD to ACU packets up to 1440 bytes.
    [Fact]
    public async Task Reply_as_long_as_osdp_allows_is_taken_whole()
    {
        var pd = new TestPd(1);
        await using var setup = await StartAsync(BusHarness.FastOptions(BusHarness.Reader(1)), pd);
        await setup.Harness.SettledAsync(pd);

        var bits = new byte[1416];
        pd.Present(new RawCardReply(0, 0, bits.Length * 8, bits));

        Assert.True(await BusHarness.EventuallyAsync(() => setup.Harness.Bus.GetStatus().Readers.Single().Counters.RejectedCardReads == 1));
        var status = setup.Harness.Bus.GetStatus();
        Assert.Equal(0, status.Counters.RejectsByReason.GetValueOrDefault(OsdpRejectReason.Oversize));
        Assert.True(status.Readers.Single().Online);
    }

    // 060-02-02 LSTATR in answer to a poll; 070-06-02 tamper; 070-06-03 power.
    [Fact]
    public async Task Tamper_and_power_failure_reported_in_a_poll_reply_show_in_the_status_until_cleared()
    {
        var pd = new TestPd(1);
        await using var setup = await StartAsync(BusHarness.FastOptions(BusHarness.Reader(1)), pd);
        await setup.Harness.SettledAsync(pd);
        Assert.Equal(false, setup.Harness.Bus.GetStatus().Readers.Single().Tamper);

        pd.Present(new LocalStatusReply(Tamper: true, PowerFailure: true));

        Assert.True(await BusHarness.EventuallyAsync(() => setup.Harness.Bus.GetStatus().Readers.Single() is { Tamper: true, PowerFailure: true }));
        pd.Present(new LocalStatusReply(Tamper: false, PowerFailure: false));
        Assert.True(await BusHarness.EventuallyAsync(() => setup.Harness.Bus.GetStatus().Readers.Single() is { Tamper: false, PowerFailure: false }));
    }

    // 070-03-04 NAK 1: the reader refuses the check character on first contact.
    [Fact]
    public async Task Reader_that_naks_the_crc_on_first_contact_is_asked_again_with_the_checksum()
    {
        var pd = new TestPd(1) { NakCommands = 1, NakError = NakError.CheckCharacter };
        await using var setup = await StartAsync(BusHarness.FastOptions(BusHarness.Reader(1)), pd);

        await setup.Harness.OnlineAsync(1);

        var ids = pd.Received.Where(c => c.Command is IdCommand).Take(2).ToList();
        Assert.True(ids[0].UsedCrc);
        Assert.False(ids[1].UsedCrc);
        Assert.Equal(1, setup.Harness.Bus.GetStatus().Readers.Single().Counters.NaksByCode.Single(n => n.Key.StartsWith("NAK 1 ", StringComparison.Ordinal)).Value);
    }

    // 050-07-01 timing: a mark character before each transmission; 050-09-12 SOM sent.
    [Fact]
    public async Task Every_command_goes_on_the_wire_as_a_mark_character_then_the_frame()
    {
        var pd = new TestPd(1);
        var (cp, pdEnd) = InMemoryLink.CreatePair();
        var recording = new RecordingTransport(cp);
        var responder = new TestPdResponder(pdEnd, [pd]);
        await using (responder)
        {
            await using var harness = new BusHarness(BusHarness.FastOptions(BusHarness.Reader(1)), recording);
            await harness.SettledAsync(pd);
        }

        var writes = recording.Writes;
        Assert.True(writes.Count >= 5);
        Assert.All(writes, w => Assert.Equal(new byte[] { 0xFF, 0x53 }, w[..2]));
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

    /// <summary>Passes everything through and keeps each write of the control panel as it went on the wire.</summary>
    private sealed class RecordingTransport(Coworking.Edge.Osdp.Transport.IOsdpTransport inner) : Coworking.Edge.Osdp.Transport.IOsdpTransport
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<byte[]> writes = new();

        public IReadOnlyList<byte[]> Writes => [.. writes];

        public string Name => inner.Name;

        public Task OpenAsync(CancellationToken cancellationToken) => inner.OpenAsync(cancellationToken);

        public ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken) => inner.ReadAsync(buffer, cancellationToken);

        public ValueTask WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
        {
            writes.Enqueue(bytes.ToArray());
            return inner.WriteAsync(bytes, cancellationToken);
        }

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
