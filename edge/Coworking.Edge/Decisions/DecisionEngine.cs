using Coworking.Edge.Cache;
using Coworking.Proto.V1;

namespace Coworking.Edge.Decisions;

/// <summary>
/// Decides a presentation from the cache's current index, in the order of ARCHITECTURE §3:
/// credential known and not revoked → holder active → a grant covering this door at this instant
/// (validity window, weekly schedule in the location's time zone) → door lockdown (unless the holder is
/// exempt) and schedule → the door's credential policy. A presentation the door's policy never accepts (a
/// bare PIN at a card door, a card at a PIN door) is refused first, without looking the PIN up. Pure: the same index, presentation and instant give the same decision; no I/O, no
/// locks, no allocation beyond the decision's own strings.
/// </summary>
public sealed class DecisionEngine(GrantCache cache)
{
    public Decision Decide(Presentation presentation, DateTimeOffset now) => Decide(cache.Index, presentation, now);

    public static Decision Decide(CacheIndex index, Presentation presentation, DateTimeOffset now)
    {
        if (index.TryGetDoor(presentation.DoorId, out var policy)
            && (presentation.Card is null ? presentation.Pin is not null && !policy.AcceptsPinAlone : !policy.AcceptsCard))
        {
            return new Decision(DecisionReason.CredentialNotAccepted);
        }

        CachedCredential? credential;
        if (presentation.Card is { } card)
        {
            if (!index.TryGetCard(card, out credential))
            {
                return new Decision(DecisionReason.UnknownCredential);
            }

            if (credential.Revoked)
            {
                return new Decision(DecisionReason.Revoked, credential.Id, credential.HolderId);
            }

            if (presentation.Pin is { } digits && !PinOfHolder(index, digits, credential.HolderKey))
            {
                return new Decision(DecisionReason.UnknownCredential, credential.Id, credential.HolderId, WrongPin: true);
            }
        }
        else if (presentation.Pin is { } digits)
        {
            if (!TryFindPin(index, digits, out credential))
            {
                return new Decision(DecisionReason.UnknownCredential, WrongPin: true);
            }

            if (credential.Revoked)
            {
                return new Decision(DecisionReason.Revoked, credential.Id, credential.HolderId);
            }
        }
        else
        {
            return new Decision(DecisionReason.UnknownCredential);
        }

        var reason = Evaluate(index, presentation, credential, now);
        return new Decision(reason, credential.Id, credential.HolderId);
    }

    private static DecisionReason Evaluate(CacheIndex index, Presentation presentation, CachedCredential credential, DateTimeOffset now)
    {
        // One lookup gives the holder's status and its grants.
        if (!index.TryGetHolderEntry(credential.HolderKey, out var holder) || !holder.IsActive)
        {
            return DecisionReason.HolderSuspended;
        }

        var clock = new LocationClock(index.Location, now);
        var byGrant = EvaluateGrants(holder.Grants, credential, index.DoorSlotOf(presentation.DoorId), ref clock);
        if (byGrant != DecisionReason.Granted)
        {
            return byGrant;
        }

        // A door the hub never described has no policy to admit anyone under, whatever the grant says.
        if (!index.TryGetDoor(presentation.DoorId, out var door))
        {
            return DecisionReason.NoGrantForDoor;
        }

        if (index.DoorControl.IsLockedDown(door) && !index.DoorControl.LockdownExempt.Contains(credential.HolderKey))
        {
            return DecisionReason.Lockdown;
        }

        if (!clock.Inside(door.Schedule))
        {
            return DecisionReason.OutsideSchedule;
        }

        return door.Credentials == CredentialPolicy.CardAndPin && (presentation.Card is null || presentation.Pin is null)
            ? DecisionReason.PinRequired
            : DecisionReason.Granted;
    }

    private static DecisionReason EvaluateGrants(CachedGrant[] grants, CachedCredential credential, int doorSlot, ref LocationClock clock)
    {
        var covering = false;
        var notYetValid = false;
        var outsideSchedule = false;
        var ticks = clock.UtcTicks;
        foreach (var grant in grants)
        {
            if ((!grant.CredentialKey.IsNone && grant.CredentialKey != credential.Key) || !grant.Covers(doorSlot))
            {
                continue;
            }

            covering = true;
            if (ticks < grant.ValidFromUtcTicks)
            {
                notYetValid = true;
            }
            else if (ticks < grant.ValidUntilUtcTicks)
            {
                if (clock.Inside(grant.Schedule))
                {
                    return DecisionReason.Granted;
                }

                outsideSchedule = true;
            }
        }

        // The most useful reason wins: a grant that is valid but not now beats one that starts later,
        // which beats one that has ended.
        return !covering ? DecisionReason.NoGrantForDoor
            : outsideSchedule ? DecisionReason.OutsideSchedule
            : notYetValid ? DecisionReason.NotYetValid
            : DecisionReason.Expired;
    }

    private static bool TryFindPin(CacheIndex index, string digits, out CachedCredential credential)
    {
        credential = null!;
        return index.Location is { } location
            && PinHash.TryCompute(location.PinKey.Span, digits, out var hash)
            && index.TryGetPin(hash, out credential);
    }

    private static bool PinOfHolder(CacheIndex index, string digits, EntityId holderId) =>
        TryFindPin(index, digits, out var pin) && !pin.Revoked && pin.HolderKey == holderId;

    /// <summary>Converts the instant to the location's wall clock once, and only if a schedule asks.</summary>
    private struct LocationClock(LocationPolicy? location, DateTimeOffset now)
    {
        private LocalTime? _local;

        public readonly long UtcTicks => now.UtcTicks;

        public bool Inside(WeeklySchedule schedule)
        {
            if (schedule.IsAllHours)
            {
                return true;
            }

            // Without the location's time zone a weekly window cannot be placed; never guess one.
            if (location is null)
            {
                return false;
            }

            _local ??= LocalTime.Of(now, location.TimeZone);
            return schedule.Contains(_local.Value);
        }
    }
}
