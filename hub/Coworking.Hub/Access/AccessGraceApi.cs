using Coworking.Hub.Auth;
using Coworking.Hub.Http;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace Coworking.Hub.Access;

/// <summary>How many days past the paid period a location's membership grants still open doors (ARCHITECTURE §3).</summary>
public sealed record AccessGrace(int Days);

/// <summary>
/// A location's access grace: GET answers it, PUT sets it (0–60 days, default 3) and re-issues the membership grants of
/// every member homed there through the change log, so edges apply the new end at once.
/// </summary>
public static class AccessGraceApi
{
    public const int MaxDays = 60;

    public static IEndpointRouteBuilder MapAccessGraceApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/locations/{id:guid}/access-grace", GetGrace).WithTags("Access");
        routes.MapPut("/locations/{id:guid}/access-grace", SetGrace).WithTags("Access");
        return routes;
    }

    public static IServiceCollection AddAccessGrace(this IServiceCollection services) => services.AddSingleton<AccessGraceStore>();

    internal static async Task<Results<Ok<AccessGrace>, NotFound>> GetGrace(Guid id, Caller caller, AccessGraceStore store, CancellationToken cancellationToken) =>
        caller.Covers(id) && await store.GetAsync(caller.OrganisationId, id, cancellationToken) is { } days
            ? TypedResults.Ok(new AccessGrace(days))
            : TypedResults.NotFound();

    internal static async Task<Results<Ok<AccessGrace>, ValidationProblem, NotFound>> SetGrace(
        Guid id, AccessGrace request, Caller caller, AccessGraceStore store, CancellationToken cancellationToken)
    {
        if (request.Days is < 0 or > MaxDays)
        {
            var errors = new ValidationErrors();
            errors.Add("days", $"must be 0 to {MaxDays}");
            return errors.ToProblem();
        }

        return caller.Covers(id) && await store.SetAsync(caller.OrganisationId, id, request.Days, cancellationToken)
            ? TypedResults.Ok(request)
            : TypedResults.NotFound();
    }
}

internal sealed class AccessGraceStore(Database.TenantDataSource db, TimeProvider time)
{
    public async Task<int?> GetAsync(Guid organisationId, Guid locationId, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        return await conn.QuerySingleOrDefaultAsync<int?>(new CommandDefinition(
            "SELECT access_grace_days FROM locations WHERE id = @locationId AND organisation_id = @organisationId",
            new { locationId, organisationId },
            cancellationToken: cancellationToken));
    }

    /// <summary>Sets the grace and compiles the access of every member homed at the location in the same transaction.</summary>
    public async Task<bool> SetAsync(Guid organisationId, Guid locationId, int days, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        if (await conn.ExecuteAsync(new CommandDefinition(
            "UPDATE locations SET access_grace_days = @days WHERE id = @locationId AND organisation_id = @organisationId",
            new { days, locationId, organisationId },
            tx,
            cancellationToken: cancellationToken)) == 0)
        {
            return false;
        }

        var members = (await conn.QueryAsync<Guid>(new CommandDefinition(
            "SELECT id FROM members WHERE home_location_id = @locationId ORDER BY id", new { locationId }, tx, cancellationToken: cancellationToken))).ToList();
        await ChangeLog.AppendAsync(conn, tx, await AccessCompiler.MembersAsync(conn, tx, members, cancellationToken), now, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return true;
    }
}
