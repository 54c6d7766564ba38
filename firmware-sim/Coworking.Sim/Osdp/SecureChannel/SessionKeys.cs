namespace Coworking.Sim.Osdp.SecureChannel;

/// <summary>The three AES-128 keys of one secure session, derived from the SCBK and the CP's random number.</summary>
internal sealed record SessionKeys(byte[] Encryption, byte[] Mac1, byte[] Mac2);
