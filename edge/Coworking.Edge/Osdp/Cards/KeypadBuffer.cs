using Coworking.Edge.Osdp.Replies;

namespace Coworking.Edge.Osdp.Cards;

/// <summary>
/// Collects keypad digits of one reader into entries: digits accumulate, '#' (0x0D) ends an entry, '*' (0x7F)
/// clears, and digits typed after a pause longer than the inter-digit timeout start over. Function keys are
/// ignored. An entry longer than <see cref="MaxDigits"/> is discarded: no PIN is that long.
/// </summary>
public sealed class KeypadBuffer(TimeSpan interDigitTimeout)
{
    public const int MaxDigits = 16;
    private readonly List<char> digits = [];
    private DateTimeOffset lastKeyAt;
    private bool overflowed;

    /// <summary>Digits typed so far (for status: only the count is ever shown).</summary>
    public int Pending => digits.Count;

    /// <summary>Applies keys that arrived at <paramref name="now"/>; returns the entries they completed.</summary>
    public IReadOnlyList<string> Add(ReadOnlySpan<byte> keys, DateTimeOffset now)
    {
        if (digits.Count > 0 && now - lastKeyAt > interDigitTimeout)
        {
            Clear();
        }

        if (!keys.IsEmpty)
        {
            lastKeyAt = now;
        }

        List<string>? completed = null;
        foreach (var key in keys)
        {
            switch (key)
            {
                case >= (byte)'0' and <= (byte)'9':
                    if (digits.Count == MaxDigits)
                    {
                        overflowed = true;
                    }
                    else
                    {
                        digits.Add((char)key);
                    }

                    break;
                case KeypadReply.EnterKey or (byte)'#':
                    if (digits.Count > 0 && !overflowed)
                    {
                        (completed ??= []).Add(new string([.. digits]));
                    }

                    Clear();
                    break;
                case KeypadReply.ClearKey or (byte)'*':
                    Clear();
                    break;
                default:
                    break;
            }
        }

        return completed ?? (IReadOnlyList<string>)[];
    }

    public void Clear()
    {
        digits.Clear();
        overflowed = false;
    }
}
