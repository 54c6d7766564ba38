namespace Coworking.Sim.Readers;

/// <summary>What the CP did after a presentation: the verdict the control API reports.</summary>
internal sealed record BadgeOutcome(string Result, string Led, int StrikeMs, long ElapsedMs, long? DecisionMs, long? StrikeUs)
{
    public const string Granted = "granted";
    public const string Denied = "denied";
    public const string NoResponse = "no_response";
}

/// <summary>
/// Follows one presentation (card and/or PIN). Only LED and OUT commands that arrive after the last of its
/// events went out in a poll reply count: a green LED or the strike output switched on is a grant, a red LED a
/// denial. Its methods run under the reader's lock.
/// </summary>
internal sealed class BadgeWatch(IReadOnlyList<long> eventIds, DateTimeOffset startedAt)
{
    private readonly TaskCompletionSource firstSignal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource conclusive = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IReadOnlyList<long> EventIds { get; } = eventIds;

    public DateTimeOffset StartedAt { get; } = startedAt;

    public DateTimeOffset? DeliveredAt { get; private set; }

    public DateTimeOffset? FirstSignalAt { get; private set; }

    /// <summary>The last green or red the CP commanded after the presentation.</summary>
    public byte? CommandedColor { get; private set; }

    public bool StrikeSeen { get; private set; }

    /// <summary>When the first strike command after the presentation arrived.</summary>
    public DateTimeOffset? StrikeAt { get; private set; }

    public int StrikeMs { get; private set; }

    /// <summary>Completes at the first green, red or strike command.</summary>
    public Task FirstSignal => firstSignal.Task;

    /// <summary>Completes when nothing more is expected: red without a strike, or green together with a strike.</summary>
    public Task Conclusive => conclusive.Task;

    public void OnDelivered(long eventId, DateTimeOffset now)
    {
        if (eventId == EventIds[^1] && DeliveredAt is null)
        {
            DeliveredAt = now;
        }
    }

    public void OnLed(byte color, DateTimeOffset now)
    {
        if (DeliveredAt is null || color is not (Osdp.LedColor.Green or Osdp.LedColor.Red))
        {
            return;
        }

        CommandedColor = color;
        Signal(now);
    }

    public void OnStrike(int pulseMs, DateTimeOffset now)
    {
        if (DeliveredAt is null)
        {
            return;
        }

        StrikeSeen = true;
        StrikeMs = pulseMs;
        StrikeAt ??= now;
        Signal(now);
    }

    private void Signal(DateTimeOffset now)
    {
        FirstSignalAt ??= now;
        firstSignal.TrySetResult();
        if ((CommandedColor == Osdp.LedColor.Red && !StrikeSeen) || (CommandedColor == Osdp.LedColor.Green && StrikeSeen))
        {
            conclusive.TrySetResult();
        }
    }
}
