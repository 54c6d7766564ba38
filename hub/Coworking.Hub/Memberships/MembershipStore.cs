using Coworking.Hub.Access;
using Coworking.Hub.Auth;
using Coworking.Hub.Billing;
using Coworking.Hub.Database;
using Coworking.Hub.Locations;
using Coworking.Hub.Members;
using Coworking.Hub.Tiers;
using Dapper;
using Npgsql;

namespace Coworking.Hub.Memberships;

public enum AcquisitionChannel
{
    Website,
    Referral,
    Partner,
    WalkIn,
}

public enum TierChangeTiming
{
    Now,
    PeriodEnd,
}

/// <summary>
/// A member's membership: the tier, how they came, the current billing period, and what is due — a tier
/// change at <see cref="PeriodEnd"/>, the end of a pause, a cancellation.
/// </summary>
public sealed record MembershipResponse(
    Guid MemberId, MemberStatus Status, Guid TierId, AcquisitionChannel Channel, DateTimeOffset JoinedAt, DateTimeOffset PeriodStart, DateTimeOffset PeriodEnd,
    Guid? PendingTierId, DateTimeOffset? PausedUntil, DateTimeOffset? CancelAt);

internal enum MembershipWrite
{
    Done,
    NotFound,
    NoMembership,
    AlreadyMember,
    NoHomeLocation,
    UnknownTier,
    SameTier,
    WrongStatus,
    AlreadyCancelling,
}

/// <summary>
/// What a membership change would do, shown before the member confirms: the credit and charge of a tier change now
/// (null when it is not prorated) over <see cref="Days"/> of the period's <see cref="PeriodDays"/>, and the day a
/// cancellation would end the membership.
/// </summary>
internal sealed record MembershipQuote(Money? Credit, Money? Charge, int Days, int PeriodDays, DateTimeOffset CancelAt, int NoticeDays)
{
    /// <summary>What the member owes for the change (negative: is owed).</summary>
    public Money? Total => Credit is { } credit && Charge is { } charge ? credit + charge : null;
}

internal sealed record MembershipWriteResult(MembershipWrite Outcome, MembershipResponse? Membership = null);

/// <summary>
/// The membership lifecycle: join, pause and resume, tier changes now or at period end, cancellation with the
/// tier's notice, and the clock that applies what falls due. Each step changes the member's status and tier in
/// one transaction with the change-log entries that follow from them (<see cref="AccessCompiler"/>).
/// </summary>
internal sealed class MembershipStore(TenantDataSource db, TimeProvider time)
{
    private const string Columns = "member_id, tier_id, channel, joined_at, period_start, period_end, pending_tier_id, paused_until, cancel_at";

    public async Task<MembershipResponse?> GetAsync(Caller caller, Guid memberId, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var member = await MemberStore.ReadAsync(conn, null, caller.OrganisationId, memberId, forUpdate: false, cancellationToken);
        if (member is null || !caller.Covers(member.HomeLocationId))
        {
            return null;
        }

        var row = await ReadAsync(conn, null, memberId, cancellationToken);
        return row?.ToResponse(member.Status);
    }

    public Task<MembershipWriteResult> JoinAsync(Caller caller, Guid memberId, Guid tierId, AcquisitionChannel channel, CancellationToken cancellationToken) =>
        WriteAsync(caller.OrganisationId, caller, memberId, cancellationToken, async (step, member, current) =>
        {
            if (current is not null && member.Status != MemberStatus.Cancelled)
            {
                return MembershipWrite.AlreadyMember;
            }

            if (member.HomeLocationId is not { } home)
            {
                return MembershipWrite.NoHomeLocation;
            }

            if (await TierStore.EffectiveAsync(step.Conn, step.Tx, caller.OrganisationId, tierId, home, cancellationToken) is not { } tier)
            {
                return MembershipWrite.UnknownTier;
            }

            var periodEnd = PeriodAfter(step.Now, step.Now, tier.Terms.BillingInterval, step.Zone).End;
            step.Membership = new MembershipRow
            {
                MemberId = memberId, TierId = tierId, Channel = channel.ToDb(), JoinedAt = step.Now, PeriodStart = step.Now, PeriodEnd = periodEnd,
            };
            step.Status = MemberStatus.Active;
            step.Event(MemberEvents.Joined, new { tierId, channel = channel.ToDb() });
            return MembershipWrite.Done;
        });

    public Task<MembershipWriteResult> PauseAsync(Caller caller, Guid memberId, DateTimeOffset? until, CancellationToken cancellationToken) =>
        WriteAsync(caller.OrganisationId, caller, memberId, cancellationToken, (step, member, current) =>
        {
            if (current is null)
            {
                return Task.FromResult(MembershipWrite.NoMembership);
            }

            if (member.Status != MemberStatus.Active)
            {
                return Task.FromResult(MembershipWrite.WrongStatus);
            }

            step.Membership = current with { PausedUntil = until };
            step.Status = MemberStatus.Paused;
            step.Event(MemberEvents.Paused, new { until });
            return Task.FromResult(MembershipWrite.Done);
        });

    public Task<MembershipWriteResult> ResumeAsync(Caller caller, Guid memberId, CancellationToken cancellationToken) =>
        WriteAsync(caller.OrganisationId, caller, memberId, cancellationToken, (step, member, current) => Task.FromResult(Resume(step, member, current)));

    public Task<MembershipWriteResult> ChangeTierAsync(Caller caller, Guid memberId, Guid tierId, TierChangeTiming timing, CancellationToken cancellationToken) =>
        WriteAsync(caller.OrganisationId, caller, memberId, cancellationToken, async (step, member, current) =>
        {
            if (current is null)
            {
                return MembershipWrite.NoMembership;
            }

            if (member.Status == MemberStatus.Cancelled)
            {
                return MembershipWrite.WrongStatus;
            }

            if (await TierStore.EffectiveAsync(step.Conn, step.Tx, caller.OrganisationId, tierId, member.HomeLocationId!.Value, cancellationToken) is null)
            {
                return MembershipWrite.UnknownTier;
            }

            if (tierId == current.TierId && current.PendingTierId is null)
            {
                return MembershipWrite.SameTier;
            }

            if (timing == TierChangeTiming.Now)
            {
                step.Membership = current with { TierId = tierId, PendingTierId = null };
                step.Event(MemberEvents.TierChanged, new { from = current.TierId, to = tierId });
            }
            else
            {
                step.Membership = current with { PendingTierId = tierId == current.TierId ? null : tierId };
                step.Event(MemberEvents.TierChangeScheduled, new { from = current.TierId, to = tierId, at = current.PeriodEnd });
            }

            return MembershipWrite.Done;
        });

    /// <summary>
    /// Ends the membership at the first period end at least the tier's notice period away; until then nothing
    /// changes for the member.
    /// </summary>
    public Task<MembershipWriteResult> CancelAsync(Caller caller, Guid memberId, CancellationToken cancellationToken) =>
        WriteAsync(caller.OrganisationId, caller, memberId, cancellationToken, async (step, member, current) =>
        {
            if (current is null)
            {
                return MembershipWrite.NoMembership;
            }

            if (member.Status == MemberStatus.Cancelled)
            {
                return MembershipWrite.WrongStatus;
            }

            if (current.CancelAt is not null)
            {
                return MembershipWrite.AlreadyCancelling;
            }

            var tier = await TierStore.EffectiveAsync(step.Conn, step.Tx, caller.OrganisationId, current.TierId, member.HomeLocationId!.Value, cancellationToken);
            var cancelAt = CancelAt(step.Now, current, tier!.Terms, step.Zone);
            step.Membership = current with { CancelAt = cancelAt };
            step.Event(MemberEvents.CancellationScheduled, new { at = cancelAt, noticeDays = tier.Terms.NoticeDays });
            return MembershipWrite.Done;
        });

    /// <summary>
    /// What the member would be told before confirming: for a tier change now, the proration it posts (the same rule as
    /// <see cref="ChangeTierAsync"/>, through <see cref="MembershipLedger.ProrationOf"/>); for a cancellation, the day it
    /// takes effect. Null when the member or their membership is not found, or the tier is not one of theirs to choose.
    /// </summary>
    public async Task<MembershipQuote?> QuoteAsync(Caller caller, Guid memberId, Guid? tierId, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        var member = await MemberStore.ReadAsync(conn, tx, caller.OrganisationId, memberId, forUpdate: false, cancellationToken);
        if (member is null || !caller.Covers(member.HomeLocationId) || await ReadAsync(conn, tx, memberId, cancellationToken) is not { } current)
        {
            return null;
        }

        var (zone, tiers) = await new PlaceCache().GetAsync(conn, tx, caller.OrganisationId, member.HomeLocationId, cancellationToken);
        if (tiers.FirstOrDefault(t => t.Id == current.TierId) is not { } tier || (tierId is { } wanted && tiers.All(t => t.Id != wanted)))
        {
            return null;
        }

        var now = time.GetUtcNow();
        var billable = member.Status is MemberStatus.Active or MemberStatus.Suspended;
        var change = tierId is { } to && to != current.TierId && billable
            ? MembershipLedger.ProrationOf(new PlanContext(caller.OrganisationId, memberId, member.HomeLocationId, zone, tiers, now), current.ToPlan(), to)
            : null;
        return new MembershipQuote(
            change?.Credit, change?.Charge, change is { } c ? c.Period.End.DayNumber - c.Today.DayNumber : 0, change?.Period.Days ?? 0,
            current.CancelAt ?? CancelAt(now, current, tier.Terms, zone), tier.Terms.NoticeDays);
    }

    /// <summary>
    /// The end of the first period at least the tier's notice away: a member who cancels keeps what they paid for until then.
    /// </summary>
    private static DateTimeOffset CancelAt(DateTimeOffset now, MembershipRow current, TierTerms terms, TimeZoneInfo zone)
    {
        var noticeEnds = now.AddDays(terms.NoticeDays);
        return noticeEnds <= current.PeriodEnd
            ? current.PeriodEnd
            : PeriodAfter(current.JoinedAt, noticeEnds.AddTicks(-1), terms.BillingInterval, zone).End;
    }

    /// <summary>How many due members one transaction of the membership clock claims.</summary>
    internal const int ClockBatch = 200;

    /// <summary>
    /// Applies what has fallen due by now — pauses ending, cancellations taking effect, periods ending with a
    /// scheduled tier change — in batches of up to <see cref="ClockBatch"/> members per transaction. A batch claims
    /// its members' rows <c>FOR UPDATE SKIP LOCKED</c>, so a second hub instance takes the next batch instead of
    /// waiting behind the first, and each member is re-read under its lock and changed once; whatever fell due while
    /// no hub ran is applied on the next call. Answers how many members were applied.
    /// </summary>
    public async Task<int> ApplyDueAsync(CancellationToken cancellationToken)
    {
        using var system = TenantScope.System("the membership clock: what falls due in every organisation");
        var now = time.GetUtcNow();
        var applied = new HashSet<Guid>();
        while (true)
        {
            await using var conn = await db.OpenConnectionAsync(cancellationToken);
            await using var tx = await conn.BeginTransactionAsync(cancellationToken);
            var due = (await conn.QueryAsync<(Guid MemberId, Guid OrganisationId)>(new CommandDefinition(
                """
                SELECT ms.member_id, m.organisation_id FROM memberships ms JOIN members m ON m.id = ms.member_id
                WHERE m.status <> 'cancelled' AND least(ms.period_end, ms.paused_until, ms.cancel_at) <= @now
                ORDER BY least(ms.period_end, ms.paused_until, ms.cancel_at), ms.member_id
                LIMIT @batch
                FOR UPDATE OF m SKIP LOCKED
                """,
                new { now, batch = ClockBatch },
                tx,
                cancellationToken: cancellationToken))).Where(d => !applied.Contains(d.MemberId)).ToList();
            if (due.Count == 0)
            {
                return applied.Count;
            }

            var places = new PlaceCache();
            foreach (var (memberId, organisationId) in due)
            {
                await StepAsync(
                    conn, tx, now, places, organisationId, null, memberId, (step, member, current) => Task.FromResult(ApplyDue(step, member, current!)), cancellationToken);
                applied.Add(memberId);
            }

            await ChangeLog.AppendAsync(conn, tx, await AccessCompiler.MembersAsync(conn, tx, [.. due.Select(d => d.MemberId)], cancellationToken), now, cancellationToken);
            await tx.CommitAsync(cancellationToken);
        }
    }

    private static MembershipWrite ApplyDue(Step step, MemberResponse member, MembershipRow current)
    {
        var now = step.Now;
        if (current.CancelAt is { } cancelAt && cancelAt <= now)
        {
            step.Membership = current with { PendingTierId = null, PausedUntil = null };
            step.Status = MemberStatus.Cancelled;
            step.Event(MemberEvents.Cancelled, new { at = cancelAt });
            return MembershipWrite.Done;
        }

        var next = current;
        if (current.PausedUntil is { } pausedUntil && pausedUntil <= now && member.Status == MemberStatus.Paused)
        {
            Resume(step, member, current);
            next = step.Membership!;
        }
        else if (current.PausedUntil is { } stale && stale <= now)
        {
            next = current with { PausedUntil = null };
        }

        if (next.PeriodEnd <= now)
        {
            var (start, end) = PeriodAfter(next.JoinedAt, now, step.BillingInterval(next.PendingTierId ?? next.TierId), step.Zone);

            if (next.PendingTierId is { } pending)
            {
                step.Event(MemberEvents.TierChanged, new { from = next.TierId, to = pending, at = next.PeriodEnd });
                next = next with { TierId = pending, PendingTierId = null };
            }

            next = next with { PeriodStart = start, PeriodEnd = end };
        }

        step.Membership = next;
        return MembershipWrite.Done;
    }

    private static MembershipWrite Resume(Step step, MemberResponse member, MembershipRow? current)
    {
        if (current is null)
        {
            return MembershipWrite.NoMembership;
        }

        if (member.Status != MemberStatus.Paused)
        {
            return MembershipWrite.WrongStatus;
        }

        step.Membership = current with { PausedUntil = null };
        step.Status = MemberStatus.Active;
        step.Event(MemberEvents.Resumed, new { });
        return MembershipWrite.Done;
    }

    /// <summary>
    /// The first period end after <paramref name="after"/>, with the previous one. Periods are counted from the
    /// local date of joining and end at local midnight in the home location's zone (months keep their day: a
    /// member who joined on the 31st renews on the last day of shorter months).
    /// </summary>
    private static (DateTimeOffset Start, DateTimeOffset End) PeriodAfter(DateTimeOffset joinedAt, DateTimeOffset after, BillingInterval interval, TimeZoneInfo zone)
    {
        var anchor = ZoneTime.DateOf(joinedAt, zone);
        var start = joinedAt;
        for (var n = 1; ; n++)
        {
            var end = ZoneTime.At(interval == BillingInterval.Weekly ? anchor.AddDays(7 * n) : anchor.AddMonths(n), 0, zone);
            if (end > after)
            {
                return (start, end);
            }

            start = end;
        }
    }

    /// <summary>Runs one lifecycle step for a member in a transaction of its own (<see cref="StepAsync"/>).</summary>
    private async Task<MembershipWriteResult> WriteAsync(
        Guid organisationId, Caller? caller, Guid memberId, CancellationToken cancellationToken, Func<Step, MemberResponse, MembershipRow?, Task<MembershipWrite>> decide)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        var now = time.GetUtcNow();
        var result = await StepAsync(conn, tx, now, new PlaceCache(), organisationId, caller, memberId, decide, cancellationToken);
        if (result.Outcome == MembershipWrite.Done)
        {
            await ChangeLog.AppendAsync(conn, tx, await AccessCompiler.MembersAsync(conn, tx, [memberId], cancellationToken), now, cancellationToken);
            await tx.CommitAsync(cancellationToken);
        }

        return result;
    }

    /// <summary>
    /// One lifecycle step for a member inside <paramref name="tx"/>: locks the member, lets <paramref name="decide"/> set the
    /// new membership, status and event, and writes them with the ledger postings that follow. The caller compiles the
    /// member's access (<see cref="AccessCompiler"/>) and appends it just before it commits, so a location's counter row
    /// stays locked for no longer than that. Nothing is written unless the outcome is <see cref="MembershipWrite.Done"/>.
    /// </summary>
    private static async Task<MembershipWriteResult> StepAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, DateTimeOffset now, PlaceCache places, Guid organisationId, Caller? caller, Guid memberId,
        Func<Step, MemberResponse, MembershipRow?, Task<MembershipWrite>> decide, CancellationToken cancellationToken)
    {
        var member = await MemberStore.ReadAsync(conn, tx, organisationId, memberId, forUpdate: true, cancellationToken);
        if (member is null || (caller is not null && !caller.Covers(member.HomeLocationId)))
        {
            return new MembershipWriteResult(MembershipWrite.NotFound);
        }

        var current = await ReadAsync(conn, tx, memberId, cancellationToken);
        var (zone, tiers) = await places.GetAsync(conn, tx, organisationId, member.HomeLocationId, cancellationToken);
        var step = new Step(conn, tx, now, zone, tiers) { Status = member.Status };
        var outcome = await decide(step, member, current);
        if (outcome != MembershipWrite.Done)
        {
            return new MembershipWriteResult(outcome);
        }

        var after = step.Membership ?? current!;
        await conn.ExecuteAsync(new CommandDefinition(
            $"""
            INSERT INTO memberships ({Columns}, updated_at)
            VALUES (@MemberId, @TierId, @Channel, @JoinedAt, @PeriodStart, @PeriodEnd, @PendingTierId, @PausedUntil, @CancelAt, @now)
            ON CONFLICT (member_id) DO UPDATE SET tier_id = excluded.tier_id, channel = excluded.channel, joined_at = excluded.joined_at,
                period_start = excluded.period_start, period_end = excluded.period_end, pending_tier_id = excluded.pending_tier_id,
                paused_until = excluded.paused_until, cancel_at = excluded.cancel_at, updated_at = excluded.updated_at
            """,
            new { after.MemberId, after.TierId, after.Channel, after.JoinedAt, after.PeriodStart, after.PeriodEnd, after.PendingTierId, after.PausedUntil, after.CancelAt, now },
            tx,
            cancellationToken: cancellationToken));
        if (step.Status != member.Status)
        {
            await conn.ExecuteAsync(new CommandDefinition(
                "UPDATE members SET status = @status, updated_at = @now WHERE id = @memberId",
                new { status = step.Status.ToDb(), now, memberId },
                tx,
                cancellationToken: cancellationToken));
        }

        await MembershipLedger.PostAsync(
            conn, tx, new PlanContext(organisationId, memberId, member.HomeLocationId, step.Zone, tiers, now),
            current?.ToPlan(), after.ToPlan(), step.Status is MemberStatus.Active or MemberStatus.Suspended, cancellationToken);
        foreach (var (kind, detail) in step.Events)
        {
            await MemberEvents.AddAsync(conn, tx, memberId, kind, detail, caller?.Actor ?? Actor.System, now, cancellationToken);
        }

        return new MembershipWriteResult(MembershipWrite.Done, after.ToResponse(step.Status));
    }

    private static Task<MembershipRow?> ReadAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, Guid memberId, CancellationToken cancellationToken) =>
        conn.QuerySingleOrDefaultAsync<MembershipRow>(new CommandDefinition(
            $"SELECT {Columns} FROM memberships WHERE member_id = @memberId",
            new { memberId },
            tx,
            cancellationToken: cancellationToken));

    /// <summary>
    /// A home location's zone and the tiers in force there, read once per transaction: a batch of the membership clock
    /// mostly holds members of a few locations.
    /// </summary>
    private sealed class PlaceCache
    {
        private static readonly TimeZoneInfo NoLocation = ZoneTime.Zone("Etc/UTC");

        private readonly Dictionary<(Guid Organisation, Guid Location), (TimeZoneInfo Zone, IReadOnlyList<EffectiveTier> Tiers)> places = [];

        public async Task<(TimeZoneInfo Zone, IReadOnlyList<EffectiveTier> Tiers)> GetAsync(
            NpgsqlConnection conn, NpgsqlTransaction tx, Guid organisationId, Guid? locationId, CancellationToken cancellationToken)
        {
            if (locationId is not { } location)
            {
                return (NoLocation, []);
            }

            if (!places.TryGetValue((organisationId, location), out var place))
            {
                var zoneId = await conn.QuerySingleAsync<string>(new CommandDefinition(
                    "SELECT time_zone FROM locations WHERE id = @location", new { location }, tx, cancellationToken: cancellationToken));
                place = (ZoneTime.Zone(zoneId), await TierStore.AllEffectiveAsync(conn, tx, organisationId, location, cancellationToken));
                places[(organisationId, location)] = place;
            }

            return place;
        }
    }

    /// <summary>What one lifecycle step decided, and what it may consult.</summary>
    private sealed class Step(NpgsqlConnection conn, NpgsqlTransaction tx, DateTimeOffset now, TimeZoneInfo zone, IReadOnlyList<EffectiveTier> tiers)
    {
        public NpgsqlConnection Conn => conn;

        public NpgsqlTransaction Tx => tx;

        public DateTimeOffset Now => now;

        /// <summary>The home location's zone: periods end at its local midnight.</summary>
        public TimeZoneInfo Zone => zone;

        public MembershipRow? Membership { get; set; }

        public MemberStatus Status { get; set; }

        public List<(string Kind, object Detail)> Events { get; } = [];

        public void Event(string kind, object detail) => Events.Add((kind, detail));

        public BillingInterval BillingInterval(Guid tierId) => tiers.FirstOrDefault(t => t.Id == tierId)?.Terms.BillingInterval ?? Tiers.BillingInterval.Monthly;
    }

    private sealed record MembershipRow
    {
        public Guid MemberId { get; init; }

        public Guid TierId { get; init; }

        public string Channel { get; init; } = string.Empty;

        public DateTimeOffset JoinedAt { get; init; }

        public DateTimeOffset PeriodStart { get; init; }

        public DateTimeOffset PeriodEnd { get; init; }

        public Guid? PendingTierId { get; init; }

        public DateTimeOffset? PausedUntil { get; init; }

        public DateTimeOffset? CancelAt { get; init; }

        public PlanState ToPlan() => new(TierId, JoinedAt, PeriodStart, PeriodEnd);

        public MembershipResponse ToResponse(MemberStatus status) => new(
            MemberId, status, TierId, DbText.Parse<AcquisitionChannel>(Channel), JoinedAt, PeriodStart, PeriodEnd, PendingTierId, PausedUntil, CancelAt);
    }
}
