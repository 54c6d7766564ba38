using System.Globalization;
using System.Text;
using Coworking.Hub.Members;

namespace Coworking.Hub.Web.Console.AccessLog;

/// <summary>The access log as CSV: the page's filters (<see cref="AccessLogQuery"/>), every matching row up to <see cref="MaxRows"/>, newest first.</summary>
internal static class AccessLogExport
{
    public const int MaxRows = 100_000;

    private const int Batch = 500;

    public static void MapAccessLogExport(this IEndpointRouteBuilder web) =>
        web.MapGet("/console/access-log.csv", ExportAsync).RequireAuthorization(WebSetup.ConsolePolicy).ExcludeFromDescription();

    private static async Task<IResult> ExportAsync(HttpContext http, ConsoleContexts contexts, MemberStore members, AccessLogReader reader, CancellationToken cancellationToken)
    {
        var context = await contexts.GetAsync(cancellationToken);
        var query = await AccessLogQuery.ReadAsync(http.Request.Query, context, members, cancellationToken);
        if (query.Problem is { } problem)
        {
            return TypedResults.Problem(problem);
        }

        var name = query.Show == AccessLogShow.Door ? "door-events" : "access-events";
        http.Response.ContentType = "text/csv; charset=utf-8";
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"{name}.csv\"";
        http.Response.Headers.CacheControl = "no-store";
        await http.Response.WriteAsync("occurred_at,location,door,member,result,detail\n", Encoding.UTF8, cancellationToken);
        var written = 0;
        Http.PageCursor? after = null;
        while (written < MaxRows)
        {
            var (rows, next) = await reader.ReadAsync(context, query, Math.Min(Batch, MaxRows - written), after, cancellationToken);
            var text = new StringBuilder();
            foreach (var row in rows)
            {
                text.Append(row.At.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)).Append(',')
                    .Append(Cell(row.Location)).Append(',').Append(Cell(row.Door)).Append(',').Append(Cell(row.Member)).Append(',')
                    .Append(Cell(row.Result)).Append(',').Append(Cell(row.Detail)).Append('\n');
            }

            await http.Response.WriteAsync(text.ToString(), Encoding.UTF8, cancellationToken);
            written += rows.Count;
            if (next is null || !Http.PageCursor.TryDecode(next, out after))
            {
                break;
            }
        }

        return TypedResults.Empty;
    }

    /// <summary>A CSV field, quoted when needed; a leading =, +, - or @ is defused so a spreadsheet does not run it as a formula.</summary>
    internal static string Cell(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@')
        {
            value = "'" + value;
        }

        return value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : value;
    }
}
