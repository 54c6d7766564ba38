using Coworking.Hub.Auth;
using Coworking.Hub.Database;
using Coworking.Hub.Http;
using Coworking.Hub.Locations;
using Coworking.Hub.Mail;
using Coworking.Hub.Resources;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Coworking.Hub.Bookings;

/// <summary>
/// A booking of a resource by a member, from <see cref="Start"/> to <see cref="End"/> (instants with an offset).
/// <see cref="OnBehalf"/>: an operator books for the member past the tier's rules (never past overlap or status).
/// </summary>
public sealed record CreateBookingRequest(Guid? MemberId, Guid? ResourceId, DateTimeOffset? Start, DateTimeOffset? End, bool? OnBehalf = null, string? Note = null);

/// <summary>A new time, and optionally another resource of the same location.</summary>
public sealed record MoveBookingRequest(DateTimeOffset? Start, DateTimeOffset? End, Guid? ResourceId = null, bool? OnBehalf = null);

/// <summary>
/// "Desk 14 every Monday and Wednesday for 3 months": <see cref="Weekdays"/> (monday…sunday), local times
/// HH:mm (end "24:00" for midnight) and local dates yyyy-MM-dd, both inclusive, in the resource's time zone.
/// </summary>
public sealed record CreateSeriesRequest(
    Guid? MemberId, Guid? ResourceId, IReadOnlyList<string>? Weekdays, string? StartTime, string? EndTime, string? From, string? Until, bool? OnBehalf = null);

/// <summary>A maintenance block or an area hold: a time and a note.</summary>
public sealed record OperatorBlockRequest(DateTimeOffset? Start, DateTimeOffset? End, string? Note = null);

public sealed record TransferBookingRequest(Guid? MemberId, bool? OnBehalf = null);

/// <summary>Bookings, availability and the 422 answer with the rule, its limit and the tier that would allow it.</summary>
public static class BookingsApi
{
    /// <summary>The longest booking: a private office may be booked for a month at a time.</summary>
    public static readonly TimeSpan MaxLength = TimeSpan.FromDays(31);

    public static IEndpointRouteBuilder MapBookingsApi(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/").WithTags("Bookings");
        api.MapGet("/bookings", ListBookings);
        api.MapPost("/bookings", CreateBooking).WithIdempotency();
        api.MapGet("/bookings/{id:guid}", GetBooking);
        api.MapPost("/bookings/{id:guid}/cancel", CancelBooking);
        api.MapPost("/bookings/{id:guid}/move", MoveBooking);
        api.MapPost("/bookings/{id:guid}/transfer", TransferBooking);
        api.MapPost("/bookings/series", CreateSeries).WithIdempotency();
        api.MapPost("/bookings/series/{seriesId:guid}/cancel", CancelSeries);
        api.MapPost("/resources/{id:guid}/blocks", BlockResource);
        api.MapPost("/locations/{id:guid}/areas/{areaId:guid}/holds", HoldArea);
        api.MapGet("/locations/{id:guid}/availability", GetAvailability);
        return routes;
    }

    internal static async Task<Results<Ok<Page<BookingResponse>>, ValidationProblem>> ListBookings(
        Caller caller, BookingStore store, Guid? memberId, Guid? resourceId, Guid? locationId, DateTimeOffset? from, DateTimeOffset? to, bool? includeCancelled,
        int? limit, string? cursor, Guid? seriesId, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var (take, after) = PageCursor.Read(limit, cursor, errors);
        if (from is not null && to is not null && to <= from)
        {
            errors.Add("to", "must be after from");
        }

        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var filter = new BookingFilter(memberId, resourceId, locationId, from?.ToUniversalTime(), to?.ToUniversalTime(), includeCancelled ?? false, seriesId);
        return TypedResults.Ok(await store.ListAsync(caller, filter, take, after, cancellationToken));
    }

    internal static async Task<Results<Created<BookingResponse>, ValidationProblem, ProblemHttpResult, NotFound>> CreateBooking(
        CreateBookingRequest request, Caller caller, BookingStore store, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        if (request.MemberId is null)
        {
            errors.Add("memberId", "is required");
        }

        if (request.ResourceId is null)
        {
            errors.Add("resourceId", "is required");
        }

        var time = ValidateTime(request.Start, request.End, errors);
        ValidateNote(request.Note, errors);
        if (errors.Any || time is null)
        {
            return errors.ToProblem();
        }

        var result = await store.CreateAsync(
            caller, new NewBooking(request.MemberId!.Value, request.ResourceId!.Value, time.Value, request.OnBehalf ?? false, request.Note), cancellationToken);
        if (result.Outcome != BookingWrite.Done)
        {
            return Refusal(result);
        }

        return TypedResults.Created($"/api/v1/bookings/{result.Booking!.Id}", result.Booking);
    }

    internal static async Task<Results<Ok<BookingResponse>, NotFound>> GetBooking(Guid id, Caller caller, BookingStore store, CancellationToken cancellationToken) =>
        await store.GetAsync(caller, id, cancellationToken) is { } booking ? TypedResults.Ok(booking) : TypedResults.NotFound();

    internal static async Task<Results<Ok<BookingResponse>, ValidationProblem, ProblemHttpResult, NotFound>> CancelBooking(
        Guid id, Caller caller, BookingStore store, CancellationToken cancellationToken) =>
        Answer(await store.CancelAsync(caller, id, cancellationToken));

    internal static async Task<Results<Ok<BookingResponse>, ValidationProblem, ProblemHttpResult, NotFound>> MoveBooking(
        Guid id, MoveBookingRequest request, Caller caller, BookingStore store, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var time = ValidateTime(request.Start, request.End, errors);
        if (errors.Any || time is null)
        {
            return errors.ToProblem();
        }

        return Answer(await store.MoveAsync(caller, id, request.ResourceId, time.Value, request.OnBehalf ?? false, cancellationToken));
    }

    internal static async Task<Results<Ok<BookingResponse>, ValidationProblem, ProblemHttpResult, NotFound>> TransferBooking(
        Guid id, TransferBookingRequest request, Caller caller, BookingStore store, CancellationToken cancellationToken)
    {
        if (request.MemberId is null)
        {
            var errors = new ValidationErrors();
            errors.Add("memberId", "is required");
            return errors.ToProblem();
        }

        var result = await store.TransferAsync(caller, id, request.MemberId.Value, request.OnBehalf ?? false, cancellationToken);
        return Answer(result);
    }

    internal static async Task<Results<Created<BatchResponse>, ValidationProblem, ProblemHttpResult>> CreateSeries(
        CreateSeriesRequest request, Caller caller, BookingStore store, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var series = ValidateSeries(request, errors);
        if (errors.Any || series is null)
        {
            return errors.ToProblem();
        }

        var (outcome, batch) = await store.CreateSeriesAsync(caller, series, cancellationToken);
        if (outcome != BookingWrite.Done)
        {
            return Refusal(new BookingWriteResult(outcome));
        }

        return TypedResults.Created($"/api/v1/bookings?seriesId={batch!.SeriesId}", batch);
    }

    internal static async Task<Results<Ok<Page<BookingResponse>>, NotFound>> CancelSeries(
        Guid seriesId, Caller caller, BookingStore store, CancellationToken cancellationToken) =>
        await store.CancelSeriesAsync(caller, seriesId, cancellationToken) is { } cancelled
            ? TypedResults.Ok(new Page<BookingResponse>(cancelled, null))
            : TypedResults.NotFound();

    internal static async Task<Results<Created<BookingResponse>, ValidationProblem, ProblemHttpResult, NotFound>> BlockResource(
        Guid id, OperatorBlockRequest request, Caller caller, BookingStore store, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var time = ValidateTime(request.Start, request.End, errors);
        ValidateNote(request.Note, errors);
        if (errors.Any || time is null)
        {
            return errors.ToProblem();
        }

        var result = await store.BlockAsync(caller, id, time.Value, request.Note, cancellationToken);
        return result.Outcome switch
        {
            BookingWrite.Done => TypedResults.Created($"/api/v1/bookings/{result.Booking!.Id}", result.Booking),
            BookingWrite.NotFound => TypedResults.NotFound(),
            _ => Refusal(result),
        };
    }

    internal static async Task<Results<Created<BatchResponse>, ValidationProblem, NotFound>> HoldArea(
        Guid id, Guid areaId, OperatorBlockRequest request, Caller caller, BookingStore store, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var time = ValidateTime(request.Start, request.End, errors);
        ValidateNote(request.Note, errors);
        if (errors.Any || time is null)
        {
            return errors.ToProblem();
        }

        return await store.HoldAreaAsync(caller, id, areaId, time.Value, request.Note, cancellationToken) is { } held
            ? TypedResults.Created($"/api/v1/bookings?locationId={id}", held)
            : TypedResults.NotFound();
    }

    internal static async Task<Results<AvailabilityJson, ValidationProblem, NotFound>> GetAvailability(
        Guid id, string? date, string? kind, string? fields, Caller caller, LocationStore locations, Availability availability, CancellationToken cancellationToken)
    {
        if (!caller.Covers(id) || await locations.GetAsync(caller.OrganisationId, id, cancellationToken) is not { } location)
        {
            return TypedResults.NotFound();
        }

        var errors = new ValidationErrors();
        var wanted = ResourcesApi.ParseKind(kind, errors);
        if (!DateOnly.TryParseExact(date, "yyyy-MM-dd", out var day))
        {
            errors.Add("date", "is required: a local date yyyy-MM-dd");
        }
        else if (InputGuard.DateProblem(day) is { } outside)
        {
            errors.Add("date", outside);
        }

        if (fields is not null && fields != AvailabilityJson.FreeOnly)
        {
            errors.Add("fields", $"must be {AvailabilityJson.FreeOnly} (only the free time, in minutes from the day's start) or left out");
        }

        return errors.Any
            ? errors.ToProblem()
            : new AvailabilityJson(await availability.ForDayAsync(id, location.TimeZone, day, wanted, cancellationToken), freeOnly: fields is not null);
    }

    internal static Interval? ValidateTime(DateTimeOffset? start, DateTimeOffset? end, ValidationErrors errors)
    {
        if (start is null)
        {
            errors.Add("start", "is required: an instant with its offset, e.g. 2026-03-02T09:00:00Z");
        }

        if (end is null)
        {
            errors.Add("end", "is required: an instant with its offset, e.g. 2026-03-02T10:00:00Z");
        }

        if (start is null || end is null)
        {
            return null;
        }

        if (end <= start)
        {
            errors.Add("end", "must be after start");
            return null;
        }

        if (end - start > MaxLength)
        {
            errors.Add("end", $"must be at most {MaxLength.TotalDays:0} days after start");
            return null;
        }

        return new Interval(start.Value.ToUniversalTime(), end.Value.ToUniversalTime());
    }

    private static NewSeries? ValidateSeries(CreateSeriesRequest request, ValidationErrors errors)
    {
        if (request.MemberId is null)
        {
            errors.Add("memberId", "is required");
        }

        if (request.ResourceId is null)
        {
            errors.Add("resourceId", "is required");
        }

        var weekdays = new HashSet<DayOfWeek>();
        foreach (var name in request.Weekdays ?? [])
        {
            if (DbText.TryParse<DayOfWeek>(name, out var day))
            {
                weekdays.Add(day);
            }
            else
            {
                errors.Add("weekdays", $"{name} is not a weekday: monday … sunday");
            }
        }

        if (weekdays.Count == 0)
        {
            errors.Add("weekdays", "must name at least one weekday");
        }

        var start = LocalTime(request.StartTime, "startTime", errors);
        var end = request.EndTime == "24:00" ? TimeOnly.MinValue : LocalTime(request.EndTime, "endTime", errors);
        if (start is { } s && end is { } e && e != TimeOnly.MinValue && e <= s)
        {
            errors.Add("endTime", "must be after startTime");
        }

        var from = LocalDate(request.From, "from", errors);
        var until = LocalDate(request.Until, "until", errors);
        if (from is { } f && until is { } u && (u < f || u.DayNumber - f.DayNumber > 366))
        {
            errors.Add("until", "must be on or after from, at most 366 days later");
        }

        return errors.Any
            ? null
            : new NewSeries(request.MemberId!.Value, request.ResourceId!.Value, weekdays, start!.Value, end!.Value, from!.Value, until!.Value, request.OnBehalf ?? false);
    }

    private static TimeOnly? LocalTime(string? text, string field, ValidationErrors errors)
    {
        if (TimeOnly.TryParseExact(text, "HH:mm", out var value))
        {
            return value;
        }

        errors.Add(field, "is required: a local time HH:mm");
        return null;
    }

    private static DateOnly? LocalDate(string? text, string field, ValidationErrors errors)
    {
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", out var value))
        {
            if (InputGuard.DateProblem(value) is not { } outside)
            {
                return value;
            }

            errors.Add(field, outside);
            return null;
        }

        errors.Add(field, "is required: a local date yyyy-MM-dd");
        return null;
    }

    internal static void ValidateNote(string? note, ValidationErrors errors)
    {
        if (note is { Length: > 500 })
        {
            errors.Add("note", "must be at most 500 characters");
        }
    }

    private static Results<Ok<BookingResponse>, ValidationProblem, ProblemHttpResult, NotFound> Answer(BookingWriteResult result) =>
        result.Outcome switch
        {
            BookingWrite.Done => TypedResults.Ok(result.Booking!),
            BookingWrite.NotFound => TypedResults.NotFound(),
            _ => Refusal(result),
        };

    /// <summary>Why a booking write did not happen, as a problem naming the field or the rule.</summary>
    /// <summary>The problem type of a refusal by a tier rule (<see cref="RuleProblem"/>).</summary>
    internal const string TierRuleProblemType = "urn:coworking:problem:tier-rule";

    /// <summary>The rule and limit a tier-rule problem names, for a page to say in words; null for any other problem.</summary>
    internal static RuleViolation? ViolationOf(ProblemDetails problem) =>
        problem.Type == TierRuleProblemType && problem.Extensions.TryGetValue("rule", out var rule) && rule is string name
            ? new RuleViolation(Database.DbText.Parse<TierRule>(name), problem.Extensions.TryGetValue("limit", out var limit) ? limit : null)
            : null;

    internal static ProblemHttpResult Refusal(BookingWriteResult result) => result.Outcome switch
    {
        BookingWrite.Overlap => Problems.Conflict("resourceId", "is already booked or blocked for part of that time"),
        BookingWrite.RuleBroken => RuleProblem(result),
        BookingWrite.UnknownMember => Problems.UnknownReference("memberId", "is not a member of this organisation"),
        BookingWrite.UnknownResource => Problems.UnknownReference("resourceId", "is not a resource this key may book"),
        BookingWrite.OutsideBookableHours => Problems.Unprocessable("start", "the booking is outside the resource's bookable hours"),
        BookingWrite.StartInPast => Problems.Unprocessable("start", "must not be in the past"),
        BookingWrite.OtherLocation => Problems.Unprocessable("resourceId", "must be a resource of the booking's location"),
        BookingWrite.Ended => Problems.Conflict("end", "the booking has ended"),
        BookingWrite.Cancelled => Problems.Conflict("status", "the booking is cancelled"),
        _ => throw new ArgumentOutOfRangeException(nameof(result), result.Outcome, "not a refusal"),
    };

    /// <summary>
    /// The upgrade prompt: 422 with the <c>rule</c> (wire name), its <c>limit</c> in the member's tier, the member's
    /// <c>tier</c> and <c>upgradeTo</c>, the cheapest tier under which the booking would pass (null when none would).
    /// </summary>
    private static ProblemHttpResult RuleProblem(BookingWriteResult result)
    {
        var violation = result.Violation!;
        var problem = new ProblemDetails
        {
            Status = StatusCodes.Status422UnprocessableEntity,
            Type = TierRuleProblemType,
            Title = "The member's tier does not allow this booking.",
            Detail = $"refused by the {violation.Rule.ToDb()} rule",
        };
        problem.Extensions["rule"] = violation.Rule.ToDb();
        problem.Extensions["limit"] = violation.Limit switch
        {
            IEnumerable<ResourceKind> kinds => kinds.Select(k => k.ToDb()).ToArray(),
            var other => other,
        };
        problem.Extensions["tier"] = result.CurrentTier is { } tier ? new { tier.Id, tier.Name } : null;
        problem.Extensions["upgradeTo"] = result.UpgradeTo is { } upgrade
            ? new { upgrade.Id, upgrade.Name, upgrade.Terms.PriceMinor, upgrade.Terms.Currency, BillingInterval = upgrade.Terms.BillingInterval.ToDb() }
            : null;
        return TypedResults.Problem(problem);
    }
}
