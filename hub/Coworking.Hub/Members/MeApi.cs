using Coworking.Hub.Audit;
using Coworking.Hub.Auth;
using Coworking.Hub.Billing;
using Coworking.Hub.Bookings;
using Coworking.Hub.Calendar;
using Coworking.Hub.Http;
using Coworking.Hub.Visitors;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace Coworking.Hub.Members;

/// <summary>What a member may change about themselves: not the e-mail they sign in with, not their status or home.</summary>
/// <summary>A member's own update: a field left out stays; <c>company</c> null clears it.</summary>
public sealed record UpdateMeRequest
{
    public Optional<string?> Name { get; init; }

    public Optional<string?> Company { get; init; }
}

/// <summary>A member's own booking: never on behalf, never past the tier's rules.</summary>
public sealed record CreateMyBookingRequest(Guid? ResourceId, DateTimeOffset? Start, DateTimeOffset? End, string? Note = null);

/// <summary>
/// The signed-in member's own data (<c>/api/v1/me</c>, member sessions only): their member record, bookings, visitors,
/// invoices and calendar feed. Each route calls the same handler as the staff route with the member's own id, so
/// every query is filtered by it in SQL; booking on behalf and rule overrides are not offered here (they are staff
/// permissions), and a member session is refused on every staff route.
/// </summary>
public static class MeApi
{
    public static IEndpointRouteBuilder MapMeApi(this IEndpointRouteBuilder routes)
    {
        var me = routes.MapGroup("/api/v1/me").WithTags("Me").RequireAuthorization(HubAuthentication.MemberPolicy).WithAuditTrail();
        me.MapGet("/", GetMe);
        me.MapPatch("/", UpdateMe);
        me.MapGet("/bookings", ListMyBookings);
        me.MapPost("/bookings", CreateMyBooking).WithIdempotency();
        me.MapGet("/bookings/{id:guid}", GetMyBooking);
        me.MapPost("/bookings/{id:guid}/cancel", CancelMyBooking);
        me.MapGet("/visitors", ListMyVisitors);
        me.MapPost("/visitors", RegisterMyVisitor);
        me.MapPost("/visitors/{id:guid}/cancel", CancelMyVisitor);
        me.MapGet("/invoices", ListMyInvoices);
        me.MapGet("/billing", GetMyBilling);
        me.MapPost("/calendar-token", CreateMyCalendarToken);
        me.MapDelete("/calendar-token", RevokeMyCalendarToken);
        return routes;
    }

    internal static Task<Results<Ok<MemberResponse>, NotFound>> GetMe(Caller caller, MemberStore store, CancellationToken cancellationToken) =>
        MembersApi.GetMember(Self(caller), caller.ForOwnData(), store, cancellationToken);

    internal static async Task<Results<Ok<MemberResponse>, ValidationProblem, ProblemHttpResult, NotFound>> UpdateMe(
        UpdateMeRequest request, Caller caller, MemberStore store, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        if (request.Name.IsPresent)
        {
            errors.Required("name", request.Name.Value);
        }

        if (request.Company.Value is { Length: > 200 })
        {
            errors.Add("company", "must be at most 200 characters");
        }

        if (errors.Any)
        {
            return errors.ToProblem();
        }

        return MembersApi.Answer(await store.UpdateAsync(
            caller.ForOwnData(), Self(caller), new MemberPatch(Name: request.Name.Value?.Trim(), Company: request.Company.IsPresent ? new Optional<string?>(request.Company.Value?.Trim() is { Length: > 0 } company ? company : null) : default), cancellationToken));
    }

    internal static Task<Results<Ok<Page<BookingResponse>>, ValidationProblem>> ListMyBookings(
        Caller caller, BookingStore store, Guid? resourceId, Guid? locationId, DateTimeOffset? from, DateTimeOffset? to, bool? includeCancelled,
        int? limit, string? cursor, CancellationToken cancellationToken) =>
        BookingsApi.ListBookings(caller.ForOwnData(), store, Self(caller), resourceId, locationId, from, to, includeCancelled, limit, cursor, null, cancellationToken);

    /// <summary>A booking of the member's own; its <c>Location</c> is the member's own route to it.</summary>
    internal static async Task<Results<Created<BookingResponse>, ValidationProblem, ProblemHttpResult, NotFound>> CreateMyBooking(
        CreateMyBookingRequest request, Caller caller, BookingStore store, CancellationToken cancellationToken)
    {
        var answer = await BookingsApi.CreateBooking(
            new CreateBookingRequest(Self(caller), request.ResourceId, request.Start, request.End, OnBehalf: false, request.Note), caller.ForOwnData(), store, cancellationToken);
        return answer.Result is Created<BookingResponse> { Value: { } booking } ? TypedResults.Created($"/api/v1/me/bookings/{booking.Id}", booking) : answer;
    }

    internal static async Task<Results<Ok<BookingResponse>, NotFound>> GetMyBooking(Guid id, Caller caller, BookingStore store, CancellationToken cancellationToken) =>
        await store.GetAsync(caller.ForOwnData(), id, cancellationToken) is { } booking && booking.MemberId == Self(caller)
            ? TypedResults.Ok(booking)
            : TypedResults.NotFound();

    internal static async Task<Results<Ok<BookingResponse>, ValidationProblem, ProblemHttpResult, NotFound>> CancelMyBooking(
        Guid id, Caller caller, BookingStore store, CancellationToken cancellationToken)
    {
        var own = caller.ForOwnData();
        if (await store.GetAsync(own, id, cancellationToken) is not { } booking || booking.MemberId != Self(caller))
        {
            return TypedResults.NotFound();
        }

        return await BookingsApi.CancelBooking(id, own, store, cancellationToken);
    }

    internal static Task<Results<Ok<Page<VisitorResponse>>, NotFound>> ListMyVisitors(Caller caller, VisitorStore store, CancellationToken cancellationToken) =>
        VisitorsApi.ListVisitors(Self(caller), caller.ForOwnData(), store, cancellationToken);

    internal static async Task<Results<Created<VisitorResponse>, ValidationProblem, ProblemHttpResult, NotFound>> RegisterMyVisitor(
        RegisterVisitorRequest request, Caller caller, VisitorStore store, CancellationToken cancellationToken)
    {
        var answer = await VisitorsApi.RegisterVisitor(Self(caller), request, caller.ForOwnData(), store, cancellationToken);
        return answer.Result is Created<VisitorResponse> { Value: { } visitor } ? TypedResults.Created("/api/v1/me/visitors", visitor) : answer;
    }

    internal static async Task<Results<Ok<VisitorResponse>, ProblemHttpResult, NotFound>> CancelMyVisitor(
        Guid id, Caller caller, VisitorStore store, Database.TenantDataSource db, CancellationToken cancellationToken)
    {
        await using (var conn = await db.OpenConnectionAsync(cancellationToken))
        {
            var mine = await conn.ExecuteScalarAsync<bool>(new CommandDefinition(
                "SELECT EXISTS (SELECT FROM visitors WHERE id = @id AND host_member_id = @memberId)",
                new { id, memberId = Self(caller) },
                cancellationToken: cancellationToken));
            if (!mine)
            {
                return TypedResults.NotFound();
            }
        }

        return await VisitorsApi.CancelVisitor(id, caller.ForOwnData(), store, cancellationToken);
    }

    internal static Task<Results<Ok<Page<InvoiceResponse>>, ValidationProblem>> ListMyInvoices(
        Caller caller, InvoiceStore store, string? status, int? limit, string? cursor, CancellationToken cancellationToken) =>
        InvoicesApi.ListInvoices(caller.ForOwnData(), store, Self(caller), status, limit, cursor, cancellationToken);

    internal static Task<Results<Ok<BillingSummary>, NotFound>> GetMyBilling(Caller caller, InvoiceStore store, CancellationToken cancellationToken) =>
        InvoicesApi.GetBilling(Self(caller), caller.ForOwnData(), store, cancellationToken);

    internal static Task<Results<Ok<CalendarTokenResponse>, NotFound>> CreateMyCalendarToken(
        Caller caller, MemberStore members, Database.TenantDataSource db, TimeProvider time, IConfiguration configuration, HttpRequest request, CancellationToken cancellationToken) =>
        CalendarFeed.CreateToken(Self(caller), caller.ForOwnData(), members, db, time, configuration, request, cancellationToken);

    internal static Task<Results<NoContent, NotFound>> RevokeMyCalendarToken(Caller caller, MemberStore members, Database.TenantDataSource db, CancellationToken cancellationToken) =>
        CalendarFeed.RevokeToken(Self(caller), caller.ForOwnData(), members, db, cancellationToken);

    private static Guid Self(Caller caller) => caller.MemberId ?? throw new InvalidOperationException("the member policy lets only members in");
}
