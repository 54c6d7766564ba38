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

    // Where secret-bearing routes live: a path under one of these that matched no route (a mangled link) is cut too.
    private static readonly string[] SecretPrefixes = ["/calendar/", Auth.EmailedLinks.MemberSignInPath, Auth.EmailedLinks.PasswordResetPath, Auth.EmailedLinks.InvitationPath];

    /// <summary>
    /// The path as logged: the route pattern (e.g. /calendar/{token}.ics) when the path holds a secret, and only the
    /// prefix of a path under a secret-bearing route that matched none.
    /// </summary>
    public static string Redacted(HttpContext context, string path)
    {
        if (context.GetEndpoint() is RouteEndpoint endpoint)
        {
            return endpoint.Metadata.GetMetadata<SecretInPath>() is not null ? endpoint.RoutePattern.RawText ?? "(redacted)" : path;
        }

        return SecretPrefixes.FirstOrDefault(prefix => path.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)) is { } secret ? secret + "(redacted)" : path;
    }
}
