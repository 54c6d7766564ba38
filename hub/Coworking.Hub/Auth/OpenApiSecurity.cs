using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Coworking.Hub.Auth;

/// <summary>
/// How the OpenAPI document says who may call what: the two schemes (an API key as a bearer token, the session cookie
/// of the console and portal) and, per operation, either of them — or none for the routes anyone may call (sign-in,
/// e-mailed links, the payment provider's webhooks, the calendar feed, health).
/// </summary>
internal static class OpenApiSecurity
{
    public static Task DescribeSchemes(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[ApiKeyAuthenticationHandler.SchemeName] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "An API key cwk_<prefix>_<secret> made with POST /api/v1/api-keys or the bootstrap command.",
        };
        document.Components.SecuritySchemes[SessionAuthenticationHandler.SchemeName] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Cookie,
            Name = SessionCookie.Name,
            Description = "The session cookie set by POST /auth/login (operators) or a sign-in link or passkey (members); writes also carry X-CSRF-TOKEN.",
        };
        return Task.CompletedTask;
    }

    /// <summary>
    /// An operation anyone may call (it allows anonymous callers, or asks for no authorisation at all) has an empty
    /// security list; every other takes an API key or a session.
    /// </summary>
    public static Task DescribeOperation(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        var anonymous = metadata.OfType<IAllowAnonymous>().Any() || !metadata.OfType<IAuthorizeData>().Any();
        operation.Security = anonymous
            ? []
            :
            [
                new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiKeyAuthenticationHandler.SchemeName, context.Document)] = [] },
                new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(SessionAuthenticationHandler.SchemeName, context.Document)] = [] },
            ];
        return Task.CompletedTask;
    }
}
