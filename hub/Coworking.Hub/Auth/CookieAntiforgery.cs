using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Coworking.Hub.Auth;

/// <summary>
/// Antiforgery for every write a browser can be tricked into: a request authenticated by the session cookie, and
/// any other form post without an API key, must carry the token (header <see cref="HeaderName"/> or the form field),
/// else 400. An API-key call needs none: no browser sends a bearer key on its own.
/// </summary>
internal static class CookieAntiforgery
{
    public const string HeaderName = "X-CSRF-TOKEN";
    public const string CookieName = "cw_antiforgery";

    public static void AddCookieAntiforgery(this IServiceCollection services) => services.AddAntiforgery(options =>
    {
        options.HeaderName = HeaderName;
        options.Cookie.Name = CookieName;
        options.Cookie.HttpOnly = true;
        options.Cookie.SameSite = SameSiteMode.Strict;
        options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
    });

    public static IApplicationBuilder UseCookieAntiforgery(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var method = context.Request.Method;
        var unsafeMethod = !(HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) || HttpMethods.IsTrace(method));
        var scheme = context.User.Identity?.AuthenticationType;
        var byCookie = scheme == SessionAuthenticationHandler.SchemeName;
        if (unsafeMethod && scheme != ApiKeyAuthenticationHandler.SchemeName && (byCookie || context.Request.HasFormContentType))
        {
            var antiforgery = context.RequestServices.GetRequiredService<IAntiforgery>();
            if (!await antiforgery.IsRequestValidAsync(context))
            {
                await Refused().ExecuteAsync(context);
                return;
            }
        }

        await next(context);
    });

    private static ProblemHttpResult Refused() => TypedResults.Problem(new HttpValidationProblemDetails(
        new Dictionary<string, string[]> { [HeaderName] = ["must carry the antiforgery token of this session (GET /auth/antiforgery)"] })
    {
        Status = StatusCodes.Status400BadRequest,
        Title = "The antiforgery token is missing or not valid.",
    });
}
