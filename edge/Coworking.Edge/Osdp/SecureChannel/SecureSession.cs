using System.Security.Cryptography;
using Coworking.Edge.Osdp.Framing;

namespace Coworking.Edge.Osdp.SecureChannel;

/// <summary>
/// An established secure channel, CP side. Each command is sealed with SCS_15 (no data) or SCS_17 (data
/// encrypted), its MAC chained on the last reply MAC; each reply must carry SCS_16 or SCS_18 and a MAC chained
/// on the command just sent. A resent command reuses its sealed bytes, so the chain stays in step when the PD
/// repeats its last reply.
/// </summary>
public sealed class SecureSession
{
    private readonly SessionKeys keys;
    private byte[] lastReplyMac;
    private byte[] lastCommandMac = new byte[OsdpCrypto.BlockLength];

    internal SecureSession(SessionKeys keys, byte[] initialReplyMac)
    {
        this.keys = keys;
        lastReplyMac = initialReplyMac;
    }

    public byte[] SealCommand(OsdpFrameHeader header, byte code, ReadOnlySpan<byte> data)
    {
        var encrypted = !data.IsEmpty;
        var payload = encrypted ? OsdpCrypto.EncryptData(keys, lastReplyMac, data) : [];
        var block = new SecurityBlock(encrypted ? SecurityBlockType.Scs17 : SecurityBlockType.Scs15, ReadOnlyMemory<byte>.Empty);
        return OsdpFrameEncoder.Encode(header, code, payload, block, (authenticated, mac) =>
        {
            lastCommandMac = OsdpCrypto.ComputeMac(keys, lastReplyMac, authenticated);
            lastCommandMac.AsSpan(0, OsdpFrameEncoder.MacLength).CopyTo(mac);
        });
    }

    /// <summary>Verifies a reply's MAC and decrypts its data; null on success, else why it was refused.</summary>
    public OsdpRejectReason? TryOpenReply(OsdpFrame frame, out ReadOnlyMemory<byte> data)
    {
        ArgumentNullException.ThrowIfNull(frame);
        data = ReadOnlyMemory<byte>.Empty;
        if (frame.SecurityBlock is not { Type: SecurityBlockType.Scs16 or SecurityBlockType.Scs18 } block)
        {
            return OsdpRejectReason.BadSecurityBlock;
        }

        var expected = OsdpCrypto.ComputeMac(keys, lastCommandMac, frame.Authenticated.Span);
        if (!CryptographicOperations.FixedTimeEquals(expected.AsSpan(0, OsdpFrameEncoder.MacLength), frame.Mac.Span))
        {
            return OsdpRejectReason.BadMac;
        }

        if (block.Type == SecurityBlockType.Scs18)
        {
            if (!OsdpCrypto.TryDecryptData(keys, lastCommandMac, frame.Data.Span, out var plaintext))
            {
                return OsdpRejectReason.BadMac;
            }

            data = plaintext;
        }
        else
        {
            data = frame.Data;
        }

        lastReplyMac = expected;
        return null;
    }
}
