namespace Coworking.Hub.Http;

/// <summary>
/// Headers on every answer: a strict Content-Security-Policy (scripts and styles from the hub only, no inline script),
/// no framing except the room panels under /panels (Security:PanelFrameAncestors, default 'self'), no MIME sniffing,
/// and no Referer (a sign-in link's token in a path must not travel on). HSTS is added by UseHsts for TLS requests.
/// </summary>
internal static class SecurityHeaders
{
    public const string PanelsPath = "/panels";

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app, IConfiguration configuration)
    {
        var panelAncestors = configuration["Security:PanelFrameAncestors"] ?? "'self'";
        const string policy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            + "object-src 'none'; base-uri 'self'; form-action 'self'";
        return app.Use((context, next) =>
        {
            var headers = context.Response.Headers;
            var panel = context.Request.Path.StartsWithSegments(PanelsPath, StringComparison.OrdinalIgnoreCase);
            headers.ContentSecurityPolicy = $"{policy}; frame-ancestors {(panel ? panelAncestors : "'none'")}";
            if (!panel)
            {
                headers.XFrameOptions = "DENY";
            }

            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            return next(context);
        });
    }
}
