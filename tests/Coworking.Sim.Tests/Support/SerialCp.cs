using System.IO.Ports;

namespace Coworking.Sim.Tests.Support;

/// <summary>The test CP on a real serial line (a pty end), with a bounded wait for every reply.</summary>
internal sealed class SerialCp : IDisposable
{
    private static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(2);

    private readonly SerialPort port;

    public SerialCp(string path)
    {
        port = new SerialPort(path, 115200);
        port.Open();
    }

    public TestCp Cp { get; } = new();

    /// <summary>Polls with sequence 0 until the reader answers: the sim may open its end of the line a moment later.</summary>
    public async Task ConnectAsync(byte address)
    {
        for (var attempt = 0; attempt < 25; attempt++)
        {
            if (await ExchangeAsync(Cp.Command(address, TestCp.Poll, sequence: 0), TimeSpan.FromMilliseconds(200)) is { Code: 0x40 })
            {
                return;
            }
        }

        throw new InvalidOperationException($"the reader at address {address} never answered");
    }

    public async Task<TestReply?> ExchangeAsync(byte[] command, TimeSpan? wait = null)
    {
        port.DiscardInBuffer();
        await port.BaseStream.WriteAsync(command);
        var received = new List<byte>();
        var buffer = new byte[512];
        using var timeout = new CancellationTokenSource(wait ?? DefaultWait);
        while (true)
        {
            int read;
            try
            {
                read = await port.BaseStream.ReadAsync(buffer, timeout.Token);
            }
            catch (OperationCanceledException)
            {
                return null;
            }

            received.AddRange(buffer.AsSpan(0, read));
            if (Cp.Parse(received.ToArray()) is { } reply)
            {
                return reply;
            }
        }
    }

    public async Task<TestReply> AskAsync(byte address, byte code, byte[]? data = null) =>
        await ExchangeAsync(Cp.Command(address, code, data)) ?? throw new InvalidOperationException($"no reply to command 0x{code:X2}");

    /// <summary>
    /// Polls until a reply with the given code comes, answering nothing else. Bounded by time rather than a count
    /// of polls: on a loaded machine the HTTP request that queues the badge can take seconds to arrive.
    /// </summary>
    public async Task<TestReply> PollUntilAsync(byte address, byte replyCode)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            var reply = await AskAsync(address, TestCp.Poll);
            if (reply.Code == replyCode)
            {
                return reply;
            }

            await Task.Delay(20);
        }

        throw new InvalidOperationException($"no reply 0x{replyCode:X2} within 15 s of polling");
    }

    public async Task<bool> HandshakeAsync(byte address, byte[] scbk, bool useDefaultKey)
    {
        var ccrypt = await ExchangeAsync(Cp.Challenge(address, useDefaultKey));
        if (ccrypt?.Code != 0x76 || Cp.ServerCryptogram(address, ccrypt, scbk) is not { } scrypt)
        {
            return false;
        }

        return await ExchangeAsync(scrypt) is { Code: 0x78 } rmacI && Cp.AcceptInitialRmac(rmacI);
    }

    public void Dispose() => port.Dispose();
}
