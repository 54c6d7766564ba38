using Coworking.Hub.Web.Console.Live;

namespace Coworking.Hub.Web.Portal.Book;

/// <summary>
/// Wakes this hub instance's open availability and room-panel streams when PostgreSQL NOTIFYs <see cref="Channel"/>
/// (migration 0240: a commit that added, moved or cancelled bookings, once per location), whichever instance wrote them.
/// </summary>
internal sealed class BookingSignals : LiveSignals
{
    public new const string Channel = "portal_live";

    public BookingSignals()
        : base(Channel)
    {
    }
}
