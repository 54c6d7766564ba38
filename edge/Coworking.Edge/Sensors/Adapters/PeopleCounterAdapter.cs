using System.Text.Json;

namespace Coworking.Edge.Sensors.Adapters;

/// <summary>
/// A Milesight VS121-style people counter: the total in <c>people_count_all</c> (or <c>people_counter_all</c>), and
/// per-region counts as <c>region_&lt;n&gt;_count</c> or <c>region_&lt;n&gt;</c> numbers. Without a total, the
/// regions are summed.
/// </summary>
internal static class PeopleCounterAdapter
{
    public static AdapterResult Read(ReadOnlySpan<byte> payload)
    {
        using var document = JsonFields.ParseObject(payload, out var problem);
        if (document is null)
        {
            return new AdapterResult.Malformed(problem!);
        }

        var obj = document.RootElement;
        int? total = null, all = null, battery = null;
        var ok = JsonFields.Integer(obj, "people_count_all", 0, 100_000, ref total, ref problem)
            & JsonFields.Integer(obj, "people_counter_all", 0, 100_000, ref all, ref problem)
            & JsonFields.Integer(obj, "battery", 0, 100, ref battery, ref problem);
        var regions = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var property in obj.EnumerateObject())
        {
            if (RegionName(property.Name) is not { } region)
            {
                continue;
            }

            if (property.Value.ValueKind != JsonValueKind.Number || !property.Value.TryGetInt32(out var count) || count < 0)
            {
                problem ??= $"{property.Name} is not a count";
                ok = false;
                continue;
            }

            regions[region] = count;
        }

        if (!ok)
        {
            return new AdapterResult.Malformed(problem!);
        }

        total ??= all ?? (regions.Count > 0 ? regions.Values.Sum() : null);
        if (total is null)
        {
            return new AdapterResult.Malformed("payload has no people_count_all and no region counts");
        }

        return new AdapterResult.Reading(new SensorReading
        {
            Count = total,
            Occupied = total > 0,
            RegionCounts = regions.Count > 0 ? regions : null,
            Battery = battery,
        });
    }

    /// <summary>"region_2_count" and "region_2" name region "region_2"; "region_count" (how many regions) is not a region.</summary>
    private static string? RegionName(string field)
    {
        if (!field.StartsWith("region_", StringComparison.Ordinal))
        {
            return null;
        }

        var rest = field.AsSpan("region_".Length);
        if (rest.EndsWith("_count"))
        {
            rest = rest[..^"_count".Length];
        }

        return rest.Length > 0 && int.TryParse(rest, out _) ? "region_" + rest.ToString() : null;
    }
}
