using System.Security.Cryptography;
using Coworking.Edge.Osdp.Commands;
using Coworking.Edge.Osdp.Framing;
using Coworking.Edge.Osdp.Replies;

namespace Coworking.Edge.Osdp.SecureChannel;

/// <summary>
/// The CP side of one secure channel handshake: osdp_CHLNG (SCS_11, RND.A) → osdp_CCRYPT (SCS_12, client
/// cryptogram checked here) → osdp_SCRYPT (SCS_13, server cryptogram) → osdp_RMAC_I (SCS_14, checked here),
/// after which MAC chaining starts from the initial R-MAC. The key indicator byte in the security block tells
/// the PD which key to use: 0 = SCBK-D (install mode), 1 = its own SCBK.
/// </summary>
public sealed class SecureChannelHandshake
{
    private readonly byte[] scbk;
    private readonly byte[] cpRandom;
    private SessionKeys? keys;
    private byte[]? serverCryptogram;

    public SecureChannelHandshake(ReadOnlySpan<byte> scbk, bool isDefaultKey)
        : this(scbk, isDefaultKey, RandomNumberGenerator.GetBytes(OsdpCrypto.RandomLength))
    {
    }

    internal SecureChannelHandshake(ReadOnlySpan<byte> scbk, bool isDefaultKey, ReadOnlySpan<byte> cpRandom)
    {
        this.scbk = scbk.ToArray();
        this.cpRandom = cpRandom.ToArray();
        IsDefaultKey = isDefaultKey;
    }

    public bool IsDefaultKey { get; }

    private byte KeyIndicator => IsDefaultKey ? (byte)0 : (byte)1;

    public ChallengeCommand Challenge() => new(cpRandom);

    public SecurityBlock ChallengeBlock() => new(SecurityBlockType.Scs11, new[] { KeyIndicator });

    /// <summary>Derives the session keys and checks the PD's cryptogram; false means the PD holds another key.</summary>
    public bool TryAcceptClientCryptogram(ClientCryptogramReply reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        var derived = OsdpCrypto.DeriveSessionKeys(scbk, cpRandom);
        var expected = OsdpCrypto.ClientCryptogram(derived, cpRandom, reply.PdRandom.Span);
        if (!CryptographicOperations.FixedTimeEquals(expected, reply.Cryptogram.Span))
        {
            return false;
        }

        keys = derived;
        serverCryptogram = OsdpCrypto.ServerCryptogram(derived, cpRandom, reply.PdRandom.Span);
        return true;
    }

    public ServerCryptogramCommand ServerCryptogram() =>
        new(serverCryptogram ?? throw new InvalidOperationException("The client cryptogram has not been accepted."));

    public SecurityBlock ServerCryptogramBlock() => new(SecurityBlockType.Scs13, new[] { KeyIndicator });

    /// <summary>Checks the PD's initial R-MAC; on success the session is ready to seal commands.</summary>
    public bool TryComplete(InitialRmacReply reply, out SecureSession? session)
    {
        ArgumentNullException.ThrowIfNull(reply);
        session = null;
        if (keys is null || serverCryptogram is null)
        {
            return false;
        }

        var expected = OsdpCrypto.InitialRmac(keys, serverCryptogram);
        if (!CryptographicOperations.FixedTimeEquals(expected, reply.Rmac.Span))
        {
            return false;
        }

        session = new SecureSession(keys, expected);
        return true;
    }
}
