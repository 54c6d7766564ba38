using Coworking.Hub.Database;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace Coworking.Hub.Http;

/// <param name="Reports">Where reports read and how far behind it is (docs/OPERATIONS.md); on /readyz only.</param>
public sealed record HealthResponse(string Status, ReportsSourceStatus? Reports = null);

/// <summary>/healthz: the process is up. /readyz: the database answers and every migration is applied.</summary>
internal static partial class HealthApi
{
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/healthz", Alive).WithTags("Health");
        routes.MapGet("/readyz", Ready).WithTags("Health");
        return routes;
    }

    internal static Ok<HealthResponse> Alive() => TypedResults.Ok(new HealthResponse("alive"));

    internal static async Task<Results<Ok<HealthResponse>, ProblemHttpResult>> Ready(
        NpgsqlDataSource db, ReportsDataSource reports, ILogger<HealthResponse> logger, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        try
        {
            await using var conn = await db.OpenConnectionAsync(timeout.Token);
            var applied = (await conn.QueryAsync<string>(new CommandDefinition(
                "SELECT scriptname FROM schemaversions", cancellationToken: timeout.Token))).ToHashSet(StringComparer.Ordinal);
            var pending = Migrator.ScriptNames.Count(name => !applied.Contains(name));
            // A replica that lags or is down slows reports, not the hub: it is reported here, never a reason to be unready.
            return pending == 0
                ? TypedResults.Ok(new HealthResponse("ready", await reports.StatusAsync(timeout.Token)))
                : NotReady($"{pending} migration(s) not applied");
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            LogNotReady(logger, e);
            return NotReady("the database does not answer");
        }
    }

    private static ProblemHttpResult NotReady(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Not ready", detail: detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Readiness check failed")]
    private static partial void LogNotReady(ILogger logger, Exception exception);
}
