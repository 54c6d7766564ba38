using Coworking.Sim.Bus;
using Coworking.Sim.Cards;
using Coworking.Sim.Configuration;
using Coworking.Sim.Readers;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Coworking.Sim.Control;

/// <summary>
/// The HTTP control API a test or an operator uses to act on the simulated doors: present a card or PIN and hear
/// what the edge decided, open and close the door, press REX, switch reader faults, and look at every reader.
/// </summary>
internal static class DoorsApi
{
    /// <summary>
    /// After a grant signal (green or strike) the other half usually follows within a few commands; the wait is long
    /// enough for a CP starved of CPU on a loaded machine, and only a grant without one of its halves waits it out.
    /// </summary>
    private static readonly TimeSpan SettleWindow = TimeSpan.FromSeconds(1);

    public static IEndpointRouteBuilder MapDoorsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", Health);
        app.MapGet("/buses", ListBuses);
        var doors = app.MapGroup("/doors");
        doors.MapGet("/", ListDoors);
        doors.MapGet("/{doorId}", GetDoor);
        doors.MapPost("/{doorId}/badge", PresentBadgeAsync);
        doors.MapPost("/{doorId}/contact", SetContactAsync);
        doors.MapPost("/{doorId}/rex", PressRex);
        doors.MapPost("/{doorId}/faults", SetFaultsAsync);
        return app;
    }

    private static Ok<HealthView> Health(ReaderDirectory directory, SimOptions options) =>
        TypedResults.Ok(new HealthView("ok", directory.Buses.Count, directory.Doors.Count(), options.Stripe is not null));

    private static Ok<BusSnapshot[]> ListBuses(ReaderDirectory directory) =>
        TypedResults.Ok(directory.Buses.Select(b => b.Snapshot()).ToArray());

    private static Ok<ReaderSnapshot[]> ListDoors(ReaderDirectory directory) =>
        TypedResults.Ok(directory.Doors.Select(d => d.Snapshot()).ToArray());

    private static Results<Ok<ReaderSnapshot>, ProblemHttpResult> GetDoor(string doorId, ReaderDirectory directory) =>
        directory.Find(doorId) is { } reader ? TypedResults.Ok(reader.Snapshot()) : UnknownDoor(doorId);

    private static async Task<Results<Ok<BadgeOutcome>, ValidationProblem, ProblemHttpResult>> PresentBadgeAsync(
        string doorId,
        HttpRequest request,
        ReaderDirectory directory,
        SimOptions options,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        if (directory.Find(doorId) is not { } reader)
        {
            return UnknownDoor(doorId);
        }

        var (body, errors) = await JsonBody.ReadAsync<BadgeRequest>(request, allowEmpty: false, cancellationToken);
        if (errors is not null)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var (events, problems) = Presentation(body!, reader.Snapshot().Keypad);
        if (problems is not null)
        {
            return TypedResults.ValidationProblem(problems);
        }

        if (reader.Present(events) is not { } watch)
        {
            return QueueFull(doorId);
        }

        try
        {
            await WaitForVerdictAsync(watch, TimeSpan.FromMilliseconds(options.BadgeTimeoutMs), time, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            reader.Conclude(watch);
            throw;
        }

        return TypedResults.Ok(reader.Conclude(watch));
    }

    private static async Task<Results<Ok<ReaderSnapshot>, ValidationProblem, ProblemHttpResult>> SetContactAsync(
        string doorId, HttpRequest request, ReaderDirectory directory, CancellationToken cancellationToken)
    {
        if (directory.Find(doorId) is not { } reader)
        {
            return UnknownDoor(doorId);
        }

        var (body, errors) = await JsonBody.ReadAsync<ContactRequest>(request, allowEmpty: false, cancellationToken);
        if (errors is null && body?.Open is null)
        {
            errors = new() { ["open"] = ["required: true (door open) or false (door closed)"] };
        }

        if (errors is not null)
        {
            return TypedResults.ValidationProblem(errors);
        }

        return reader.SetDoorContact(body!.Open!.Value) ? TypedResults.Ok(reader.Snapshot()) : QueueFull(doorId);
    }

    private static Results<Ok<ReaderSnapshot>, ProblemHttpResult> PressRex(string doorId, ReaderDirectory directory)
    {
        if (directory.Find(doorId) is not { } reader)
        {
            return UnknownDoor(doorId);
        }

        return reader.PressRex() ? TypedResults.Ok(reader.Snapshot()) : QueueFull(doorId);
    }

    private static async Task<Results<Ok<ReaderSnapshot>, ValidationProblem, ProblemHttpResult>> SetFaultsAsync(
        string doorId, HttpRequest request, ReaderDirectory directory, CancellationToken cancellationToken)
    {
        if (directory.Find(doorId) is not { } reader)
        {
            return UnknownDoor(doorId);
        }

        var (body, errors) = await JsonBody.ReadAsync<FaultsRequest>(request, allowEmpty: true, cancellationToken);
        if (errors is null && body?.SlowReplyMs is < 0 or > ReaderFaults.MaxSlowReplyMs)
        {
            errors = new() { ["slowReplyMs"] = [$"must be 0-{ReaderFaults.MaxSlowReplyMs}"] };
        }

        if (errors is not null)
        {
            return TypedResults.ValidationProblem(errors);
        }

        reader.SetFaults(new ReaderFaults(
            body!.NoReply ?? false, body.BadCrc ?? false, body.SlowReplyMs ?? 0, body.Garbage ?? false, body.Busy ?? false, body.WrongSecurityBlockType));
        return TypedResults.Ok(reader.Snapshot());
    }

    /// <summary>The events a badge request stands for, or the problems with its fields.</summary>
    private static (List<ReaderEvent> Events, Dictionary<string, string[]>? Problems) Presentation(BadgeRequest body, bool keypad)
    {
        var problems = new Dictionary<string, string[]>();
        var events = new List<ReaderEvent>();
        if (body.Card is not null && body.Bits is not null)
        {
            problems["bits"] = ["give either card or bits, not both"];
        }
        else if (body.Card is not null)
        {
            AddOrComplain(CardEncoding.TryParseCard(body.Card, out var card, out var error), card, error, "card");
        }
        else if (body.Bits is not null)
        {
            AddOrComplain(CardEncoding.TryParseBits(body.Bits, out var card, out var error), card, error, "bits");
        }

        if (body.Pin is not null)
        {
            if (!keypad)
            {
                problems["pin"] = ["this reader has no keypad"];
            }
            else
            {
                AddOrComplain(CardEncoding.TryParsePin(body.Pin, out var entry, out var error), entry, error, "pin");
            }
        }

        if (events.Count == 0 && problems.Count == 0)
        {
            problems["card"] = ["one of card, bits or pin is required"];
        }

        return (events, problems.Count > 0 ? problems : null);

        void AddOrComplain(bool ok, ReaderEvent readerEvent, string error, string field)
        {
            if (ok)
            {
                events.Add(readerEvent);
            }
            else
            {
                problems[field] = [error];
            }
        }
    }

    /// <summary>
    /// Waits for the first grant or denial signal, then briefly for its companion (a green LED and a strike pulse
    /// are separate commands), never beyond the badge timeout counted from the request.
    /// </summary>
    private static async Task WaitForVerdictAsync(BadgeWatch watch, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        var deadline = watch.StartedAt + timeout;
        if (await CompletesWithinAsync(watch.FirstSignal, Remaining(deadline, time), time, cancellationToken))
        {
            var settle = Remaining(deadline, time) < SettleWindow ? Remaining(deadline, time) : SettleWindow;
            await CompletesWithinAsync(watch.Conclusive, settle, time, cancellationToken);
        }
    }

    private static TimeSpan Remaining(DateTimeOffset deadline, TimeProvider time)
    {
        var left = deadline - time.GetUtcNow();
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }

    private static async Task<bool> CompletesWithinAsync(Task task, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        try
        {
            await task.WaitAsync(timeout, time, cancellationToken);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    private static ProblemHttpResult UnknownDoor(string doorId) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown door", detail: $"No simulated reader serves door '{doorId}'.");

    private static ProblemHttpResult QueueFull(string doorId) =>
        TypedResults.Problem(
            statusCode: StatusCodes.Status503ServiceUnavailable,
            title: "Reader queue full",
            detail: $"The reader of door '{doorId}' holds {SimulatedReader.MaxPendingEvents} events the CP has not polled out yet.");
}
