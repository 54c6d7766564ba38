namespace Coworking.Hub.Database;

/// <summary>
/// Whose rows the hub's statements may touch: PostgreSQL's row-level security (migration 0080) admits only the rows of
/// the organisation set here, or every row for the system. The scope is ambient (it flows with the async call): a
/// request takes its caller's organisation once authenticated (<see cref="Coworking.Hub.Auth.Tenancy.UseTenantScope"/>), and everything
/// that spans organisations says so where it starts, with <see cref="System"/> and the reason — a clock, the mail
/// outbox, edge sync, an authentication lookup. Nothing set is nothing seen.
/// </summary>
public static class TenantScope
{
    private static readonly AsyncLocal<Scope> current = new();

    /// <summary>What a connection opened now is limited to.</summary>
    public static Scope Current => current.Value;

    /// <summary>Acts for one organisation until disposed (or until the calling async method returns).</summary>
    public static IDisposable Organisation(Guid organisationId) => Enter(new Scope(organisationId, false));

    /// <summary>
    /// Acts across organisations until disposed: only for work that belongs to no one caller. <paramref name="reason"/>
    /// is for the reader of the code: every such place says why it may see everything.
    /// </summary>
    public static IDisposable System(string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        return Enter(new Scope(null, true));
    }

    /// <summary>Nothing: no organisation's rows (a request not authenticated, on a route that needs it).</summary>
    internal static IDisposable Nothing() => Enter(default);

    private static Restore Enter(Scope scope)
    {
        var previous = current.Value;
        current.Value = scope;
        return new Restore(previous);
    }

    private sealed class Restore(Scope previous) : IDisposable
    {
        public void Dispose() => current.Value = previous;
    }

    /// <summary>An organisation, the system (every organisation), or neither (nothing).</summary>
    public readonly record struct Scope(Guid? OrganisationId, bool IsSystem);
}
