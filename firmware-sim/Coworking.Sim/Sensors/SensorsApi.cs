using Coworking.Sim.Control;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Coworking.Sim.Sensors;

/// <summary>
/// What a test or a demo sets on a simulated sensor: <c>occupied</c>, <c>count</c> (people), <c>co2</c> (ppm),
/// <c>alive</c> (false: the sensor falls silent; true: it speaks again), <c>garbage</c> (true: one unreadable payload).
/// </summary>
internal sealed record SensorStateRequest(bool? Occupied, int? Count, double? Co2, bool? Alive, bool? Garbage);

/// <summary>Whether the sensors reach their broker, and each sensor's state.</summary>
internal sealed record SensorsView(bool Connected, IReadOnlyList<SensorSnapshot> Sensors);

/// <summary>The control API of the simulated sensors: list them, set one's state, kill it or make it send garbage.</summary>
internal static class SensorsApi
{
    public static IEndpointRouteBuilder MapSensorsApi(this IEndpointRouteBuilder app)
    {
        var sensors = app.MapGroup("/sensors");
        sensors.MapGet("/", ListSensors);
        sensors.MapPost("/{name}", SetSensorAsync);
        return app;
    }

    private static Ok<SensorsView> ListSensors(SensorDirectory directory, SensorPublisher publisher) =>
        TypedResults.Ok(new SensorsView(publisher.Connected, [.. directory.Sensors.Select(s => s.Snapshot())]));

    private static async Task<Results<Ok<SensorSnapshot>, ValidationProblem, ProblemHttpResult>> SetSensorAsync(
        string name, HttpRequest request, SensorDirectory directory, SensorPublisher publisher, CancellationToken cancellationToken)
    {
        if (directory.Find(name) is not { } sensor)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such sensor", detail: $"no simulated sensor is named {name}");
        }

        var (body, errors) = await JsonBody.ReadAsync<SensorStateRequest>(request, allowEmpty: false, cancellationToken);
        if (errors is null && body is { Count: < 0 or > 10_000 })
        {
            errors = new() { ["count"] = ["must be 0-10000"] };
        }

        if (errors is null && body is { Co2: < 0 or > 40_000 })
        {
            errors = new() { ["co2"] = ["must be 0-40000 ppm"] };
        }

        if (errors is not null || body is null)
        {
            return TypedResults.ValidationProblem(errors ?? new() { ["body"] = ["is required"] });
        }

        sensor.TakeOver();
        if (sensor.Set(body.Occupied, body.Count, body.Co2, body.Alive) || body.Alive == true)
        {
            publisher.Publish(sensor);
        }

        if (body.Garbage == true)
        {
            publisher.PublishGarbage(sensor);
        }

        return TypedResults.Ok(sensor.Snapshot());
    }
}
