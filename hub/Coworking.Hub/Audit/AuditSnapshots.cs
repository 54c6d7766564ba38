using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Coworking.Hub.Auth;
using Coworking.Hub.Database;
using Dapper;

namespace Coworking.Hub.Audit;

/// <summary>Which row a write changes: a table of <see cref="AuditSnapshots"/> and the row's id.</summary>
internal sealed record AuditTarget(string Kind, string Table, Guid Id);

/// <summary>The written object's columns that a write changed: their values before and after, by camelCase name.</summary>
internal sealed record AuditDiff(JsonObject? Before, JsonObject? After)
{
    public static AuditDiff None { get; } = new(null, null);
}

/// <summary>
/// Reads the row a write changes before and after it, so the audit trail says what was there and what is there now.
/// The row is found from the route: the last collection segment followed by its id ("/locations/{id}/doors/{doorId}"
/// writes the door), "/me" the member's own row, "/organisation" the caller's organisation. Reads run in the request's
/// tenant scope, so row-level security keeps them to the caller's organisation like every other read.
/// </summary>
internal sealed partial class AuditSnapshots(TenantDataSource db)
{
    // Route segment → table. Only these tables are read, so the SQL below never holds a name that came from a request.
    private static readonly Dictionary<string, string> Tables = new(StringComparer.Ordinal)
    {
        ["locations"] = "locations", ["areas"] = "areas", ["doors"] = "doors", ["resources"] = "resources", ["tiers"] = "tiers",
        ["operators"] = "operators", ["members"] = "members", ["bookings"] = "bookings", ["visitors"] = "visitors",
        ["credentials"] = "credentials", ["invoices"] = "invoices", ["edges"] = "edges", ["lockdowns"] = "lockdowns",
        ["api-keys"] = "api_keys", ["enrolment-codes"] = "edge_enrolment_codes", ["organisation"] = "organisations",
        ["sensor-gateways"] = "sensor_gateways",
    };

    /// <summary>The row a route changes in place (an update, an action on it, a delete), or null for a create or an unknown route.</summary>
    public static AuditTarget? Target(string pattern, RouteValueDictionary routeValues, Caller caller)
    {
        var segments = pattern.Split('/', StringSplitOptions.RemoveEmptyEntries);
        AuditTarget? found = null;
        for (var i = 1; i < segments.Length; i++)
        {
            if (IsParameter(segments[i]) && !IsParameter(segments[i - 1]) && Tables.TryGetValue(segments[i - 1], out var table)
                && routeValues.TryGetValue(ParameterName(segments[i]), out var value) && Guid.TryParse(value?.ToString(), out var id))
            {
                found = new AuditTarget(segments[i - 1], table, id);
            }
        }

        if (found is not null)
        {
            return found;
        }

        return segments switch
        {
            ["api", "v1", "me", ..] when caller.MemberId is { } member => new AuditTarget("members", "members", member),
            ["api", "v1", "organisation", ..] => new AuditTarget("organisation", "organisations", caller.OrganisationId),
            _ => null,
        };
    }

    /// <summary>The kind and table of what a POST to <paramref name="pattern"/> creates, when its last segment names a collection.</summary>
    public static (string Kind, string Table)? Created(string pattern)
    {
        var last = pattern.Split('/', StringSplitOptions.RemoveEmptyEntries).LastOrDefault();
        return last is not null && Tables.TryGetValue(last, out var table) ? (last, table) : null;
    }

    /// <summary>The row as JSON (camelCase names, secrets redacted), or null when there is none or the caller may not see it.</summary>
    public async Task<JsonObject?> ReadAsync(string table, Guid id, CancellationToken cancellationToken)
    {
        if (!Tables.ContainsValue(table))
        {
            throw new ArgumentException($"{table} is not an audited table", nameof(table));
        }

        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var json = await conn.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
            $"SELECT to_jsonb(t)::text FROM {table} t WHERE t.id = @id", new { id }, cancellationToken: cancellationToken));
        return json is null ? null : JsonNode.Parse(json) as JsonObject;
    }

    /// <summary>The columns that differ between two reads of a row; a create has only after, a delete only before.</summary>
    public static AuditDiff Diff(JsonObject? before, JsonObject? after)
    {
        if (before is null && after is null)
        {
            return AuditDiff.None;
        }

        if (before is null || after is null)
        {
            return new AuditDiff(before is null ? null : Shown(before, before.Select(p => p.Key)), after is null ? null : Shown(after, after.Select(p => p.Key)));
        }

        var changed = before.Select(p => p.Key).Union(after.Select(p => p.Key))
            .Where(key => !JsonNode.DeepEquals(before[key], after[key]))
            .ToList();
        return changed.Count == 0 ? AuditDiff.None : new AuditDiff(Shown(before, changed), Shown(after, changed));
    }

    /// <summary>True for a column whose value never reaches the audit trail: hashes, protected secrets, PIN keys, card numbers, codes.</summary>
    internal static bool IsSecret(string column) => SecretColumn().IsMatch(column);

    private static JsonObject Shown(JsonObject row, IEnumerable<string> columns)
    {
        var shown = new JsonObject();
        foreach (var column in columns)
        {
            shown[CamelCase(column)] = IsSecret(column) ? JsonValue.Create(AuditTrail.Redacted) : row[column]?.DeepClone();
        }

        return shown;
    }

    private static string CamelCase(string column)
    {
        var text = new StringBuilder(column.Length);
        var upper = false;
        foreach (var c in column)
        {
            if (c == '_')
            {
                upper = text.Length > 0;
                continue;
            }

            text.Append(upper ? char.ToUpperInvariant(c) : c);
            upper = false;
        }

        return text.ToString();
    }

    private static bool IsParameter(string segment) => segment.StartsWith('{');

    private static string ParameterName(string segment) => segment.Trim('{', '}').Split(':', '=', '?')[0];

    [GeneratedRegex("hash|secret|token|password|_protected|pin_key|card_number|facility_code|^code$|^key$", RegexOptions.CultureInvariant)]
    private static partial Regex SecretColumn();
}
