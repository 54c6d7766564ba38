using Serilog.AspNetCore;
using Serilog.Events;

namespace Coworking.Hub.Http;

/// <summary>Marks a route whose path holds a secret (a calendar token, a sign-in link): its request log shows the route's pattern instead.</summary>
internal sealed class SecretInPath
{
    public static SecretInPath Instance { get; } = new();
}

/// <summary>The request log line: method, path (redacted where the route carries a secret), status and time; never a query string or body.</summary>
internal static class RequestLogging
{
    public static void Configure(RequestLoggingOptions options) =>
        options.GetMessageTemplateProperties = (context, path, elapsed, status) =>
        [
            new LogEventProperty("RequestMethod", new ScalarValue(context.Request.Method)),
            new LogEventProperty("RequestPath", new ScalarValue(Redacted(context, path))),
            new LogEventProperty("StatusCode", new ScalarValue(status)),
            new LogEventProperty("Elapsed", new ScalarValue(elapsed)),
        ];

    /// <summary>The path as logged: the route pattern (e.g. /calendar/{token}.ics) when the path holds a secret.</summary>
    public static string Redacted(HttpContext context, string path) =>
        context.GetEndpoint() is RouteEndpoint endpoint && endpoint.Metadata.GetMetadata<SecretInPath>() is not null
            ? endpoint.RoutePattern.RawText ?? "(redacted)"
            : path;
}
