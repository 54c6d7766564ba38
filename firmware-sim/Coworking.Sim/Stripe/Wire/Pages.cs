using System.Text.Json.Nodes;

namespace Coworking.Sim.Stripe.Wire;

/// <summary>Stripe's cursor pagination: newest first, limit 1-100 (default 10), starting_after / ending_before an id.</summary>
internal static class Pages
{
    public static JsonObject List<T>(StripeParams parameters, string url, IEnumerable<T> oldestFirst, Func<T, string> id, Func<T, Expand, JsonObject> render, Expand expand)
    {
        var limit = parameters.Long("limit") ?? 10;
        if (limit is < 1 or > 100)
        {
            throw StripeApiException.InvalidRequest("This value must be greater than or equal to 1 and less than or equal to 100.", "limit");
        }

        var startingAfter = parameters.NonEmpty("starting_after");
        var endingBefore = parameters.NonEmpty("ending_before");
        if (startingAfter is not null && endingBefore is not null)
        {
            throw StripeApiException.InvalidRequest("You may only specify one of these parameters: ending_before, starting_after.", "ending_before");
        }

        parameters.RejectUnknown();
        var items = oldestFirst.Reverse().ToList();
        List<T> page;
        bool hasMore;
        if (endingBefore is not null)
        {
            var index = IndexOf(items, id, endingBefore, "ending_before");
            var from = (int)Math.Max(0, index - limit);
            page = items.GetRange(from, index - from);
            hasMore = from > 0;
        }
        else
        {
            var from = startingAfter is null ? 0 : IndexOf(items, id, startingAfter, "starting_after") + 1;
            page = items.Skip(from).Take((int)limit).ToList();
            hasMore = from + page.Count < items.Count;
        }

        var itemExpand = expand.For("data");
        expand.Allow("data");
        return Objects.Render.List(url, page.Select(item => (JsonNode)render(item, itemExpand)), hasMore);
    }

    private static int IndexOf<T>(List<T> items, Func<T, string> id, string cursor, string param)
    {
        var index = items.FindIndex(i => id(i) == cursor);
        return index >= 0 ? index : throw StripeApiException.InvalidRequest($"No such object: '{cursor}'", param, "resource_missing");
    }
}
