using Coworking.Edge.Decisions;

namespace Coworking.Edge.Status;

/// <param name="Presented">The masked credential (kind and last card digits), never a number or PIN.</param>
public sealed record RecentDecision(DateTimeOffset At, string DoorId, string ReaderId, string Presented, string Reason, string? CredentialId);

/// <summary>
/// The last decisions made at this edge, newest first, for the installer standing at a door asking why a card
/// was refused. Memory only: the durable record is the outbox.
/// </summary>
public sealed class RecentDecisions
{
    public const int Capacity = 50;

    private readonly Lock _sync = new();
    private readonly RecentDecision[] _ring = new RecentDecision[Capacity];
    private int _next;
    private int _count;

    public void Add(DateTimeOffset at, Presentation presentation, Decision decision)
    {
        var entry = new RecentDecision(at, presentation.DoorId, presentation.ReaderId, presentation.Masked, decision.Reason.ToWireName(), decision.CredentialId);
        lock (_sync)
        {
            _ring[_next] = entry;
            _next = (_next + 1) % Capacity;
            _count = Math.Min(_count + 1, Capacity);
        }
    }

    public IReadOnlyList<RecentDecision> Newest()
    {
        lock (_sync)
        {
            var list = new List<RecentDecision>(_count);
            for (var i = 1; i <= _count; i++)
            {
                list.Add(_ring[(_next - i + Capacity) % Capacity]);
            }

            return list;
        }
    }
}
