using System.Net.Mail;
using Coworking.Hub.Auth;
using Coworking.Hub.Bookings;
using Coworking.Hub.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Coworking.Hub.Visitors;

public sealed record RegisterVisitorRequest(string? Name, string? Email, Guid? LocationId, DateTimeOffset? Start, DateTimeOffset? End);

/// <summary>Visitor passes a member registers for guests; over the allowance is the same 422 as a booking rule.</summary>
public static class VisitorsApi
{
    private static readonly TimeSpan MaxVisit = TimeSpan.FromDays(1);

    public static IEndpointRouteBuilder MapVisitorsApi(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/").WithTags("Visitors");
        api.MapGet("/members/{id:guid}/visitors", ListVisitors);
        api.MapPost("/members/{id:guid}/visitors", RegisterVisitor);
        api.MapPost("/visitors/{id:guid}/cancel", CancelVisitor);
        return routes;
    }

    internal static async Task<Results<Ok<Page<VisitorResponse>>, NotFound>> ListVisitors(Guid id, Caller caller, VisitorStore store, CancellationToken cancellationToken) =>
        await store.ListAsync(caller, id, cancellationToken) is { } visitors ? TypedResults.Ok(new Page<VisitorResponse>(visitors, null)) : TypedResults.NotFound();

    internal static async Task<Results<Created<VisitorResponse>, ValidationProblem, ProblemHttpResult, NotFound>> RegisterVisitor(
        Guid id, RegisterVisitorRequest request, Caller caller, VisitorStore store, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        errors.Required("name", request.Name);
        if (errors.Required("email", request.Email, maxLength: 254) && !MailAddress.TryCreate(request.Email!.Trim(), out _))
        {
            errors.Add("email", "must be an e-mail address");
        }

        if (request.LocationId is null)
        {
            errors.Add("locationId", "is required");
        }

        var visit = BookingsApi.ValidateTime(request.Start, request.End, errors);
        if (visit is { } v && v.Length > MaxVisit)
        {
            errors.Add("end", "a visit lasts at most a day");
        }

        if (errors.Any || visit is null)
        {
            return errors.ToProblem();
        }

        var (refusal, visitor) = await store.RegisterAsync(
            caller, id, new NewVisitor(request.LocationId!.Value, request.Name!.Trim(), request.Email!.Trim(), visit.Value), cancellationToken);
        return refusal.Outcome switch
        {
            BookingWrite.Done => TypedResults.Created($"/api/v1/members/{id}/visitors", visitor!),
            BookingWrite.NotFound => TypedResults.NotFound(),
            BookingWrite.UnknownResource => Problems.UnknownReference("locationId", "is not a location this key manages"),
            _ => BookingsApi.Refusal(refusal),
        };
    }

    internal static async Task<Results<Ok<VisitorResponse>, ProblemHttpResult, NotFound>> CancelVisitor(Guid id, Caller caller, VisitorStore store, CancellationToken cancellationToken) =>
        await store.CancelAsync(caller, id, cancellationToken) switch
        {
            (BookingWrite.Done, { } visitor) => TypedResults.Ok(visitor),
            (BookingWrite.Ended, _) => Problems.Conflict("end", "the visit has ended"),
            _ => TypedResults.NotFound(),
        };
}
