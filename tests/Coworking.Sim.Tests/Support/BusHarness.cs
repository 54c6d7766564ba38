using Coworking.Sim.Bus;
using Coworking.Sim.Osdp.SecureChannel;
using Coworking.Sim.Readers;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Coworking.Sim.Tests.Support;

/// <summary>A bus of simulated readers driven in memory by the test CP, on fake time.</summary>
internal sealed class BusHarness
{
    public const string DoorId = "door-1";

    public BusHarness(params ReaderSetup[] readers)
        : this(new ScbkStore(null), readers)
    {
    }

    public BusHarness(ScbkStore keyStore, params ReaderSetup[] readers)
    {
        Readers = readers.Select(setup => new SimulatedReader(
            setup, keyStore, Time, TimeSpan.FromSeconds(3), NullLogger<SimulatedReader>.Instance)).ToList();
        Bus = new OsdpBus("/dev/null", 115200, Readers, Time);
    }

    public FakeTimeProvider Time { get; } = new();

    public OsdpBus Bus { get; }

    public List<SimulatedReader> Readers { get; }

    public SimulatedReader Reader => Readers[0];

    public TestCp Cp { get; } = new();

    public static ReaderSetup Setup(byte address = 1, string doorId = DoorId, bool secure = false, byte[]? scbk = null, bool keypad = true) =>
        new(doorId, address, "/dev/null", 115200, secure, scbk, keypad, 0x53490000u | address);

    /// <summary>All bytes the readers put on the line for these bytes, faults applied.</summary>
    public byte[] Send(byte[] bytes) => [.. Bus.Receive(bytes).SelectMany(r => r.Bytes)];

    public TestReply? Exchange(byte[] command) => Cp.Parse(Send(command));

    /// <summary>Sends a command and insists on a decodable reply.</summary>
    public TestReply Ask(byte address, byte code, byte[]? data = null) =>
        Exchange(Cp.Command(address, code, data)) ?? throw new InvalidOperationException($"no valid reply to command 0x{code:X2}");

    /// <summary>Runs the secure channel handshake from the CP side; true when the session is up.</summary>
    public bool Handshake(byte address, byte[] scbk, bool useDefaultKey)
    {
        var ccrypt = Exchange(Cp.Challenge(address, useDefaultKey));
        if (ccrypt?.Code != 0x76)
        {
            return false;
        }

        var scrypt = Cp.ServerCryptogram(address, ccrypt, scbk);
        return scrypt is not null && Exchange(scrypt) is { Code: 0x78 } rmacI && Cp.AcceptInitialRmac(rmacI);
    }
}
