using System.Security.Cryptography;

namespace Coworking.Sim.Tests.Support;

/// <summary>A reply as the test CP decoded it (data already decrypted when it came inside the secure channel).</summary>
internal sealed record TestReply(byte AddressByte, byte Sequence, byte[]? SecurityBlock, byte Code, byte[] Data, byte[] Bytes)
{
    public byte Address => (byte)(AddressByte & 0x7F);

    public byte? NakCode => Code == 0x41 ? Data[0] : null;
}

/// <summary>
/// A minimal OSDP control panel written for the tests from the spec, independent of the sim's code: its own framing,
/// CRC and secure channel (CP side), so the sim is checked against a second reading of the spec.
/// </summary>
internal sealed class TestCp
{
    public const byte Poll = 0x60;
    public const byte Id = 0x61;
    public const byte Cap = 0x62;
    public const byte Istat = 0x65;
    public const byte Ostat = 0x66;
    public const byte Out = 0x68;
    public const byte Led = 0x69;
    public const byte Buz = 0x6A;
    public const byte Comset = 0x6E;
    public const byte Keyset = 0x75;
    public const byte Chlng = 0x76;
    public const byte Scrypt = 0x77;

    public static readonly byte[] DefaultKey = [.. Enumerable.Range(0x30, 16).Select(b => (byte)b)];

    private byte? lastSequence;
    private byte[]? sEnc;
    private byte[]? sMac1;
    private byte[]? sMac2;
    private byte[] cMac = new byte[16];
    private byte[] rMac = new byte[16];
    private byte[] cpRandom = [];
    private byte[] pdRandom = [];

    public bool Secure { get; private set; }

    /// <summary>The sequence number the next command gets: 0 first, then 1, 2, 3, 1, …</summary>
    public byte NextSequence() => (byte)(lastSequence is not { } s ? 0 : s == 3 ? 1 : s + 1);

    /// <summary>Builds a command with the next sequence number (or the one given), secured when a session is up.</summary>
    public byte[] Command(byte address, byte code, byte[]? data = null, byte? sequence = null, bool crc = true)
    {
        var sqn = sequence ?? NextSequence();
        lastSequence = sqn;
        data ??= [];
        if (!Secure)
        {
            return Frame(address, sqn, crc, [], code, data, mac: false);
        }

        if (data.Length == 0)
        {
            return Frame(address, sqn, crc, [2, 0x15], code, [], mac: true);
        }

        var encrypted = CbcEncrypt(sEnc!, Complement(rMac), Pad(data, always: true));
        return Frame(address, sqn, crc, [2, 0x17], code, encrypted, mac: true);
    }

    /// <summary>A plain frame with the security block given, for commands a real CP would not send.</summary>
    public byte[] PlainWithBlock(byte address, byte[] block, byte code, byte[] data)
    {
        var sqn = NextSequence();
        lastSequence = sqn;
        return Frame(address, sqn, true, block, code, data, mac: false);
    }

    public byte[] Challenge(byte address, bool useDefaultKey)
    {
        Secure = false;
        cpRandom = RandomNumberGenerator.GetBytes(8);
        var sqn = NextSequence();
        lastSequence = sqn;
        return Frame(address, sqn, true, [3, 0x11, (byte)(useDefaultKey ? 0 : 1)], Chlng, cpRandom, mac: false);
    }

    /// <summary>Checks the PD's cryptogram from osdp_CCRYPT with the given key; returns osdp_SCRYPT, or null when it does not match.</summary>
    public byte[]? ServerCryptogram(byte address, TestReply ccrypt, byte[] scbk)
    {
        pdRandom = ccrypt.Data[8..16];
        sEnc = Ecb(scbk, KeyInput(0x82));
        sMac1 = Ecb(scbk, KeyInput(0x01));
        sMac2 = Ecb(scbk, KeyInput(0x02));
        if (!Ecb(sEnc, [.. cpRandom, .. pdRandom]).SequenceEqual(ccrypt.Data[16..32]))
        {
            return null;
        }

        var sqn = NextSequence();
        lastSequence = sqn;
        return Frame(address, sqn, true, [3, 0x13, ccrypt.SecurityBlock![2]], Scrypt, Ecb(sEnc, [.. pdRandom, .. cpRandom]), mac: false);
    }

    /// <summary>Checks osdp_RMAC_I and starts the session.</summary>
    public bool AcceptInitialRmac(TestReply rmacI)
    {
        var expected = Ecb(sMac2!, Ecb(sMac1!, Ecb(sEnc!, [.. pdRandom, .. cpRandom])));
        if (rmacI.SecurityBlock is not [3, 0x14, 0x01] || !expected.SequenceEqual(rmacI.Data))
        {
            return false;
        }

        rMac = expected;
        Secure = true;
        return true;
    }

    /// <summary>Decodes the first reply in the bytes; null when there is none or its CRC, MAC or padding is wrong.</summary>
    public TestReply? Parse(ReadOnlySpan<byte> bytes)
    {
        var som = bytes.IndexOf((byte)0x53);
        if (som < 0 || bytes.Length - som < 6)
        {
            return null;
        }

        var frame = bytes[som..];
        var length = frame[2] | (frame[3] << 8);
        if (frame.Length < length)
        {
            return null;
        }

        frame = frame[..length];
        var control = frame[4];
        var crc = (control & 0x04) != 0;
        var checkLength = crc ? 2 : 1;
        var body = frame[..^checkLength];
        if (crc ? Crc(body) != (frame[^2] | (frame[^1] << 8)) : (byte)(-body.ToArray().Sum(b => b) & 0xFF) != frame[^1])
        {
            return null;
        }

        var offset = 5;
        byte[]? block = null;
        if ((control & 0x08) != 0)
        {
            block = frame.Slice(5, frame[5]).ToArray();
            offset += block.Length;
        }

        var macLength = block is [_, >= 0x15, ..] ? 4 : 0;
        var code = frame[offset];
        var data = frame[(offset + 1)..(body.Length - macLength)].ToArray();
        if (macLength > 0)
        {
            var full = Mac(cMac, body[..^macLength]);
            if (!full.AsSpan(0, 4).SequenceEqual(body[^macLength..]))
            {
                return null;
            }

            rMac = full;
            if (block![1] == 0x18)
            {
                var plain = CbcDecrypt(sEnc!, Complement(cMac), data);
                var end = Array.LastIndexOf(plain, (byte)0x80);
                if (end < 0 || plain[(end + 1)..].Any(b => b != 0))
                {
                    return null;
                }

                data = plain[..end];
            }
        }

        return new TestReply(frame[1], (byte)(control & 0x03), block, code, data, frame.ToArray());
    }

    public static ushort Crc(ReadOnlySpan<byte> data)
    {
        ushort crc = 0x1D0F;
        foreach (var b in data)
        {
            crc ^= (ushort)(b << 8);
            for (var i = 0; i < 8; i++)
            {
                crc = (crc & 0x8000) != 0 ? (ushort)((crc << 1) ^ 0x1021) : (ushort)(crc << 1);
            }
        }

        return crc;
    }

    public static byte[] LedRecord(byte tempColor, ushort tempTimer100ms, byte permColor = 0, bool setPermanent = false) =>
    [
        0, 0, 2, 5, 0, tempColor, 0, (byte)tempTimer100ms, (byte)(tempTimer100ms >> 8),
        (byte)(setPermanent ? 1 : 0), 5, 0, permColor, 0,
    ];

    public static byte[] OutRecord(byte controlCode, ushort timer100ms) => [0, controlCode, (byte)timer100ms, (byte)(timer100ms >> 8)];

    private byte[] Frame(byte address, byte sequence, bool crc, byte[] block, byte code, byte[] data, bool mac)
    {
        var macLength = mac ? 4 : 0;
        var length = 5 + block.Length + 1 + data.Length + macLength + (crc ? 2 : 1);
        var frame = new List<byte> { 0x53, address, (byte)length, (byte)(length >> 8) };
        frame.Add((byte)(sequence | (crc ? 0x04 : 0) | (block.Length > 0 ? 0x08 : 0)));
        frame.AddRange(block);
        frame.Add(code);
        frame.AddRange(data);
        if (mac)
        {
            cMac = Mac(rMac, frame.ToArray());
            frame.AddRange(cMac[..4]);
        }

        if (crc)
        {
            var value = Crc(frame.ToArray());
            frame.Add((byte)value);
            frame.Add((byte)(value >> 8));
        }
        else
        {
            frame.Add((byte)(-frame.Sum(b => b) & 0xFF));
        }

        return [.. frame];
    }

    private byte[] Mac(byte[] iv, ReadOnlySpan<byte> message)
    {
        var padded = Pad(message.ToArray(), always: false);
        var chain = iv;
        for (var i = 0; i < padded.Length; i += 16)
        {
            var block = padded.AsSpan(i, 16).ToArray();
            for (var j = 0; j < 16; j++)
            {
                block[j] ^= chain[j];
            }

            chain = Ecb(i + 16 == padded.Length ? sMac2! : sMac1!, block);
        }

        return chain;
    }

    private byte[] KeyInput(byte purpose) => [0x01, purpose, .. cpRandom[..6], 0, 0, 0, 0, 0, 0, 0, 0];

    private static byte[] Pad(byte[] data, bool always)
    {
        if (!always && data.Length % 16 == 0)
        {
            return data;
        }

        var padded = new byte[(data.Length / 16 + 1) * 16];
        data.CopyTo(padded, 0);
        padded[data.Length] = 0x80;
        return padded;
    }

    private static byte[] Complement(byte[] mac) => [.. mac.Select(b => (byte)~b)];

    private static byte[] Ecb(byte[] key, byte[] block)
    {
        using var aes = Aes.Create();
        aes.Key = key;
        return aes.EncryptEcb(block, PaddingMode.None);
    }

    private static byte[] CbcEncrypt(byte[] key, byte[] iv, byte[] data)
    {
        using var aes = Aes.Create();
        aes.Key = key;
        return aes.EncryptCbc(data, iv, PaddingMode.None);
    }

    private static byte[] CbcDecrypt(byte[] key, byte[] iv, byte[] data)
    {
        using var aes = Aes.Create();
        aes.Key = key;
        return aes.DecryptCbc(data, iv, PaddingMode.None);
    }
}
