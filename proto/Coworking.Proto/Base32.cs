namespace Coworking.Proto;

/// <summary>
/// RFC 4648 base32 in lower case without padding: enrolment codes are read off a console and typed or
/// pasted on an edge box, and this alphabet has no symbols a shell or a person would stumble on.
/// Lives with the contract because both sides must spell codes and authority pins the same way.
/// </summary>
public static class Base32
{
    public const string Alphabet = "abcdefghijklmnopqrstuvwxyz234567";

    public static string Encode(ReadOnlySpan<byte> bytes)
    {
        var text = new char[(bytes.Length * 8 + 4) / 5];
        int buffer = 0, bits = 0, at = 0;
        foreach (var b in bytes)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                text[at++] = Alphabet[(buffer >> (bits - 5)) & 31];
                bits -= 5;
            }
        }

        if (bits > 0)
        {
            text[at] = Alphabet[(buffer << (5 - bits)) & 31];
        }

        return new string(text);
    }
}
