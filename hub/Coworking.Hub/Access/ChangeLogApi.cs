using System.Text.Json;
using Coworking.Hub.Auth;
using Coworking.Hub.Http;
using Coworking.Hub.Locations;
using Coworking.Proto.V1;
using Google.Protobuf;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Coworking.Hub.Access;

/// <summary>One change-log entry; <see cref="Change"/> is coworking.v1.Change in protobuf JSON form.</summary>
public sealed record ChangeLogEntry(long Seq, string Kind, DateTimeOffset CommittedAt, JsonElement Change);

/// <summary>A slice of a location's log; ask again with after=<see cref="NextAfter"/> while it is set.</summary>
public sealed record ChangeLogPage(IReadOnlyList<ChangeLogEntry> Items, long? NextAfter);

/// <summary>
/// The change log of a location, for operators and tests. Edges receive the same entries over their sync
/// stream; here the PIN key and PIN hashes are left out, since with both a PIN is found by trying them all.
/// </summary>
public static class ChangeLogApi
{
    public static IEndpointRouteBuilder MapChangeLogApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/locations/{id:guid}/changes", ListChanges).WithTags("Change log");
        return routes;
    }

    internal static async Task<Results<Ok<ChangeLogPage>, ValidationProblem, NotFound>> ListChanges(
        Guid id, long? after, int? limit, Caller caller, LocationStore locations, ChangeLogStore store, CancellationToken cancellationToken)
    {
        if (!caller.Covers(id) || await locations.GetAsync(caller.OrganisationId, id, cancellationToken) is null)
        {
            return TypedResults.NotFound();
        }

        var errors = new ValidationErrors();
        if (after is < 0)
        {
            errors.Add("after", "must be 0 or a seq of this log");
        }

        var take = limit ?? PageCursor.DefaultLimit;
        if (take is < 1 or > PageCursor.MaxLimit)
        {
            errors.Add("limit", $"must be between 1 and {PageCursor.MaxLimit}");
        }

        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var changes = await store.ReadAsync(id, after ?? 0, take, cancellationToken);
        var items = changes.Select(c => new ChangeLogEntry(c.Seq, ChangeNames.Kind(c.KindCase), c.CommittedAt.ToDateTimeOffset(), Redacted(c))).ToList();
        return TypedResults.Ok(new ChangeLogPage(items, items.Count == take ? items[^1].Seq : null));
    }

    private static JsonElement Redacted(Change change)
    {
        var copy = change.Clone();
        copy.Location?.PinKey = ByteString.Empty;
        copy.Credential?.PinHash = ByteString.Empty;
        using var document = JsonDocument.Parse(JsonFormatter.Default.Format(copy));
        return document.RootElement.Clone();
    }
}
