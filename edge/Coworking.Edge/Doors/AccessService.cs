using Coworking.Edge.Decisions;
using Coworking.Edge.Outbox;
using Coworking.Edge.Status;
using Microsoft.Extensions.Logging;

namespace Coworking.Edge.Doors;

/// <summary>
/// The one path every reader takes: presentation → decision → durable record → feedback and strike.
/// The record is on disk before the strike moves or the reader shows anything, so nothing a person
/// saw happen can be missing from the log; if it cannot be recorded, the door stays shut.
/// </summary>
public sealed class AccessService(
    DecisionEngine engine,
    PinAttemptLimiter pinLimiter,
    IEventRecorder recorder,
    DoorRegistry doors,
    TimeProvider time,
    ILogger<AccessService> log,
    RecentDecisions? recent = null,
    UnlockedHours? unlockedHours = null,
    Telemetry.EdgeMetrics? metrics = null)
{
    public async Task<Decision> HandleAsync(Presentation presentation, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var now = time.GetUtcNow();
        var (decision, lockouts) = Decide(presentation, now);
        var record = new EdgeEvent(EdgeEventKind.AccessDecision, now, presentation.DoorId)
        {
            ReaderId = presentation.ReaderId,
            Reason = decision.Reason,
            CredentialId = decision.CredentialId,
            HolderId = decision.HolderId,
            Presented = presentation.Masked,
        };

        try
        {
            await recorder.AppendAsync(record, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            log.LogError(ex, "Decision at door {DoorId} could not be recorded; the door stays shut", presentation.DoorId);
            await ShowAsync(presentation.ReaderId, ReaderSignal.Denied, cancellationToken).ConfigureAwait(false);
            throw;
        }

        metrics?.Decided(decision, time.GetElapsedTime(started));
        await RecordLockoutsAsync(presentation, lockouts, now, cancellationToken).ConfigureAwait(false);
        recent?.Add(now, presentation, decision);
        log.LogInformation("{Presented} at door {DoorId}: {Reason} (credential {CredentialId})",
            presentation.Masked, presentation.DoorId, decision.Reason.ToWireName(), decision.CredentialId);
        var signal = decision.Reason switch
        {
            DecisionReason.Granted => ReaderSignal.Granted,
            DecisionReason.PinRequired => ReaderSignal.PinRequired,
            _ => ReaderSignal.Denied,
        };
        if (decision.Granted)
        {
            unlockedHours?.NoteGranted(presentation.DoorId, decision.HolderId, now);
            if (doors.TryGetDoor(presentation.DoorId, out var door))
            {
                // The strike first: on a shared bus it goes out before the LED and beep.
                var unlock = door.UnlockForGrantAsync(cancellationToken);
                await Task.WhenAll(unlock, ShowAsync(presentation.ReaderId, signal, cancellationToken)).ConfigureAwait(false);
                return decision;
            }

            log.LogWarning("Door {DoorId} was granted but has no hardware on this edge", presentation.DoorId);
        }

        await ShowAsync(presentation.ReaderId, signal, cancellationToken).ConfigureAwait(false);
        return decision;
    }

    private (Decision Decision, IReadOnlyList<PinLockout> Lockouts) Decide(Presentation presentation, DateTimeOffset now)
    {
        var decision = engine.Decide(presentation, now);
        if (presentation.Pin is null || decision.Reason == DecisionReason.CredentialNotAccepted)
        {
            return (decision, []);
        }

        // A locked-out keypad, card or edge decides nothing with a PIN, so guessing there tells nothing.
        var cardCredential = presentation.Card is null ? null : decision.CredentialId;
        if (pinLimiter.IsReaderLockedOut(presentation.ReaderId, pinAlone: presentation.Card is null)
            || (cardCredential is not null && pinLimiter.IsCredentialLockedOut(cardCredential)))
        {
            return (new Decision(DecisionReason.LockedOut, cardCredential, cardCredential is null ? null : decision.HolderId), []);
        }

        if (decision.WrongPin)
        {
            return (decision, pinLimiter.RecordFailure(presentation.ReaderId, cardCredential));
        }

        if (cardCredential is not null)
        {
            pinLimiter.RecordSuccess(cardCredential);
        }

        return (decision, []);
    }

    /// <summary>A lock-out this presentation started goes to the hub as its own event, after the decision that caused it.</summary>
    private async Task RecordLockoutsAsync(Presentation presentation, IReadOnlyList<PinLockout> lockouts, DateTimeOffset now, CancellationToken cancellationToken)
    {
        foreach (var lockout in lockouts)
        {
            log.LogWarning("Too many wrong PINs: {Scope} {Key} locked out until {Until}", lockout.ScopeName, lockout.Key, lockout.LockedUntil);
            await recorder.AppendAsync(
                new EdgeEvent(EdgeEventKind.PinLockout, now, presentation.DoorId)
                {
                    ReaderId = presentation.ReaderId,
                    CredentialId = lockout.Scope == PinLockoutScope.Credential ? lockout.Key : null,
                    Detail = lockout.ScopeName,
                    Until = lockout.LockedUntil,
                },
                cancellationToken).ConfigureAwait(false);
        }
    }

    private Task ShowAsync(string readerId, ReaderSignal signal, CancellationToken cancellationToken) =>
        doors.TryGetReader(readerId, out var reader) ? reader.ShowAsync(signal, cancellationToken) : Task.CompletedTask;
}
