using System.Security.Cryptography;

namespace Coworking.Sim.Osdp.SecureChannel;

/// <summary>The reader's answer to osdp_CHLNG: which key it used, and the osdp_CCRYPT payload (cUID, RND.B, client cryptogram).</summary>
internal sealed record ChallengeAnswer(bool UsedDefaultKey, byte[] Payload);

/// <summary>
/// The PD side of one reader's secure channel: the handshake (CHLNG → CCRYPT, SCRYPT → RMAC_I), then the MAC
/// chain and data encryption of every secured command and reply. A PD without its own SCBK is in install mode and
/// accepts SCBK-D; osdp_KEYSET installs an SCBK and ends install mode.
/// </summary>
internal sealed class PdSecureChannel
{
    private readonly byte[] clientUid;
    private byte[]? scbk;
    private SessionKeys? keys;
    private byte[] cpRandom = [];
    private byte[] pdRandom = [];
    private byte[] lastReplyMac = new byte[ScCrypto.BlockSize];
    private byte[] lastCommandMac = new byte[ScCrypto.BlockSize];
    private Phase phase;

    public PdSecureChannel(byte[]? scbk, byte[] clientUid)
    {
        this.scbk = scbk;
        this.clientUid = clientUid;
    }

    private enum Phase
    {
        Idle,
        ChallengeAnswered,
        Active,
    }

    public bool IsActive => phase == Phase.Active;

    public bool InstallMode => scbk is null;

    /// <summary>True while the current session was set up with SCBK-D.</summary>
    public bool SessionUsesDefaultKey { get; private set; }

    /// <summary>
    /// Starts a session. SCBK-D is used when the CP asks for it and the reader is in install mode, or when the
    /// reader has no SCBK yet; otherwise the reader's SCBK. Either way the CP learns which from SCS_12.
    /// </summary>
    public ChallengeAnswer AnswerChallenge(bool cpAsksDefaultKey, ReadOnlySpan<byte> challenge)
    {
        var useDefault = scbk is null || (cpAsksDefaultKey && InstallMode);
        var key = useDefault ? ScCrypto.DefaultKey.ToArray() : scbk!;
        cpRandom = challenge.ToArray();
        pdRandom = RandomNumberGenerator.GetBytes(ScCrypto.RandomLength);
        keys = ScCrypto.DeriveSessionKeys(key, cpRandom);
        SessionUsesDefaultKey = useDefault;
        phase = Phase.ChallengeAnswered;
        var cryptogram = ScCrypto.ClientCryptogram(keys, cpRandom, pdRandom);
        return new ChallengeAnswer(useDefault, [.. clientUid, .. pdRandom, .. cryptogram]);
    }

    public bool AwaitsServerCryptogram => phase == Phase.ChallengeAnswered;

    /// <summary>Checks the CP's cryptogram; on success the session is active and the initial R-MAC is returned.</summary>
    public byte[]? AcceptServerCryptogram(ReadOnlySpan<byte> cryptogram)
    {
        if (phase != Phase.ChallengeAnswered || keys is null)
        {
            return null;
        }

        var expected = ScCrypto.ServerCryptogram(keys, cpRandom, pdRandom);
        if (!CryptographicOperations.FixedTimeEquals(expected, cryptogram))
        {
            Reset();
            return null;
        }

        lastReplyMac = ScCrypto.InitialRmac(keys, cryptogram);
        lastCommandMac = new byte[ScCrypto.BlockSize];
        phase = Phase.Active;
        return lastReplyMac;
    }

    /// <summary>Verifies a secured command's MAC against the chain; a mismatch leaves the chain untouched.</summary>
    public bool VerifyCommandMac(ReadOnlySpan<byte> macInput, ReadOnlySpan<byte> mac)
    {
        if (phase != Phase.Active || keys is null)
        {
            return false;
        }

        var full = ScCrypto.Mac(keys, lastReplyMac, macInput);
        if (!CryptographicOperations.FixedTimeEquals(full.AsSpan(0, mac.Length), mac))
        {
            return false;
        }

        lastCommandMac = full;
        return true;
    }

    /// <summary>Decrypts a command's data block (IV = complement of the last reply MAC); null when it is not valid.</summary>
    public byte[]? DecryptCommandData(ReadOnlySpan<byte> cipher) =>
        keys is null ? null : ScCrypto.DecryptData(keys, lastReplyMac, cipher);

    /// <summary>Encrypts a reply's data block (IV = complement of the command's MAC).</summary>
    public byte[] EncryptReplyData(ReadOnlySpan<byte> data) =>
        ScCrypto.EncryptData(keys ?? throw new InvalidOperationException("no secure session"), lastCommandMac, data);

    /// <summary>MAC of a reply, chained from the command's MAC; it becomes the IV of the next command's MAC.</summary>
    public byte[] ReplyMac(ReadOnlySpan<byte> macInput)
    {
        lastReplyMac = ScCrypto.Mac(keys ?? throw new InvalidOperationException("no secure session"), lastCommandMac, macInput);
        return lastReplyMac;
    }

    /// <summary>Stores a new SCBK from osdp_KEYSET. The running session keeps its keys; the next handshake uses the new SCBK.</summary>
    public void InstallKey(byte[] key) => scbk = key;

    public void Reset()
    {
        phase = Phase.Idle;
        keys = null;
        SessionUsesDefaultKey = false;
    }
}
