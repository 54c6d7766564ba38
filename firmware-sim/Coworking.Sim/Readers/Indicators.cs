namespace Coworking.Sim.Readers;

/// <summary>One LED pattern of osdp_LED: on/off colours and times in 100 ms units.</summary>
internal sealed record LedPattern(byte OnColor, byte OffColor, byte OnTime, byte OffTime)
{
    public static LedPattern Dark { get; } = new(Osdp.LedColor.Off, Osdp.LedColor.Off, 0, 0);

    /// <summary>The colour an observer names: the on colour, or the off colour of a pattern that is never on.</summary>
    public byte ShownColor => OnTime == 0 && OffTime > 0 ? OffColor : OnColor;
}

/// <summary>The reader LED: a permanent pattern and a temporary one that wins until its timer runs out.</summary>
internal sealed class LedState
{
    private LedPattern permanent = LedPattern.Dark;
    private LedPattern? temporary;
    private DateTimeOffset temporaryUntil;

    public void SetTemporary(LedPattern pattern, TimeSpan duration, DateTimeOffset now)
    {
        temporary = pattern;
        temporaryUntil = now + duration;
    }

    public void CancelTemporary() => temporary = null;

    public void SetPermanent(LedPattern pattern) => permanent = pattern;

    public byte Color(DateTimeOffset now) =>
        (temporary is not null && now < temporaryUntil ? temporary : permanent).ShownColor;
}

/// <summary>An output (output 0 drives the door strike) with its permanent state and a timed override.</summary>
internal sealed class OutputState
{
    private bool permanentOn;
    private bool temporaryOn;
    private DateTimeOffset temporaryUntil = DateTimeOffset.MinValue;

    public static bool IsValidControlCode(byte code) => code <= 6;

    /// <summary>osdp_OUT control codes 1..6; the timer is in 100 ms units.</summary>
    public void Apply(byte controlCode, ushort timer, DateTimeOffset now)
    {
        switch (controlCode)
        {
            case 1 or 2:
                permanentOn = controlCode == 2;
                temporaryUntil = DateTimeOffset.MinValue;
                break;
            case 3 or 4:
                permanentOn = controlCode == 4;
                break;
            case 5 or 6:
                temporaryOn = controlCode == 5;
                temporaryUntil = now + TimeSpan.FromMilliseconds(timer * 100);
                break;
        }
    }

    public bool IsOn(DateTimeOffset now) => now < temporaryUntil ? temporaryOn : permanentOn;

    /// <summary>The permanent state is on: released until told otherwise.</summary>
    public bool IsHeld => permanentOn;
}

/// <summary>The reader buzzer as osdp_BUZ left it: tone 2 sounds, 0 and 1 are silent; count 0 repeats until told otherwise.</summary>
internal sealed class BuzzerState
{
    private byte tone;
    private byte onTime;
    private byte offTime;
    private byte count;
    private DateTimeOffset startedAt;

    public static bool IsValidTone(byte code) => code <= 2;

    public void Apply(byte toneCode, byte on, byte off, byte repeat, DateTimeOffset now)
    {
        tone = toneCode;
        onTime = on;
        offTime = off;
        count = repeat;
        startedAt = now;
    }

    public bool IsSounding(DateTimeOffset now)
    {
        if (tone != 2 || onTime == 0)
        {
            return false;
        }

        return count == 0 || now < startedAt + TimeSpan.FromMilliseconds(count * (onTime + offTime) * 100);
    }
}
