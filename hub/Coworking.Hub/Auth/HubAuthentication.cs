using System.Globalization;
using System.Security.Claims;
using Coworking.Hub.Database;
using Coworking.Hub.Http;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace Coworking.Hub.Auth;

/// <summary>
/// One authorisation path for every caller: a request with <c>Authorization: Bearer</c> is an API key
/// (<see cref="ApiKeyAuthenticationHandler"/>), any other is a session cookie (<see cref="SessionAuthenticationHandler"/>);
/// both set the same <see cref="Caller"/>. The organisation's routes need a staff caller (the default policy), the
/// member's own routes a member, and money and configuration exclude the front desk.
/// </summary>
internal static class HubAuthentication
{
    public const string SchemeName = "Hub";
    public const string ActorKindClaim = "actor_kind";
    public const string ActorIdClaim = "actor_id";
    public const string OrganisationClaim = "organisation_id";
    public const string SessionClaim = "session_id";

    /// <summary>Members' own routes (<c>/api/v1/me</c>): a signed-in member only.</summary>
    public const string MemberPolicy = "member";

    /// <summary>Any authenticated caller (an API key, an operator or a member): the caller's own identity and sessions.</summary>
    public const string SignedInPolicy = "signed_in";

    /// <summary>A signed-in operator acting on their own account (password, second factor).</summary>
    public const string OperatorPolicy = "operator";

    /// <summary>Invoices, payments, memberships: staff but not the front desk.</summary>
    public const string MoneyPolicy = "money";

    /// <summary>Locations, resources, tiers, edges: the front desk may read them (to book and help), not change them.</summary>
    public const string ConfigurationPolicy = "configuration";

    public static void AddHubAuthentication(this IServiceCollection services)
    {
        services.AddAuthentication(SchemeName)
            .AddPolicyScheme(SchemeName, "API key or session", scheme => scheme.ForwardDefaultSelector = context =>
                context.Request.Headers.Authorization.Count > 0 ? ApiKeyAuthenticationHandler.SchemeName : SessionAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null)
            .AddScheme<AuthenticationSchemeOptions, SessionAuthenticationHandler>(SessionAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            .SetDefaultPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().RequireAssertion(c => CallerOf(c)?.IsStaff == true).Build())
            .AddPolicy(SignedInPolicy, policy => policy.RequireAuthenticatedUser().RequireAssertion(c => CallerOf(c) is not null))
            .AddPolicy(OperatorPolicy, policy => policy.RequireAuthenticatedUser().RequireAssertion(c => CallerOf(c)?.Actor.Kind == ActorKind.Operator))
            .AddPolicy(MemberPolicy, policy => policy.RequireAuthenticatedUser().RequireAssertion(c => CallerOf(c)?.MemberId is not null))
            .AddPolicy(MoneyPolicy, policy => policy.RequireAuthenticatedUser().RequireAssertion(c => CallerOf(c)?.IsManager == true))
            .AddPolicy(ConfigurationPolicy, policy => policy.RequireAuthenticatedUser().RequireAssertion(c =>
                CallerOf(c) is { IsStaff: true } caller
                && (caller.IsManager || (c.Resource is HttpContext http && (HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method))))));
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, ForbiddenAsProblem>();
    }

    /// <summary>The principal of an authenticated caller; <paramref name="sessionId"/> is set for a session cookie.</summary>
    public static ClaimsPrincipal Principal(Caller caller, string scheme, Guid? sessionId)
    {
        List<Claim> claims =
        [
            new(ActorKindClaim, caller.Actor.Kind.ToDb()),
            new(OrganisationClaim, caller.OrganisationId.ToString()),
            new(ClaimTypes.Role, caller.Role.ToDb()),
        ];
        if (caller.Actor.Id is { } id)
        {
            claims.Add(new Claim(ActorIdClaim, id.ToString()));
        }

        if (sessionId is { } session)
        {
            // Antiforgery tokens are bound to this claim: a token is good for one session only.
            claims.Add(new Claim(SessionClaim, session.ToString()));
            claims.Add(new Claim(ClaimTypes.NameIdentifier, session.ToString("N", CultureInfo.InvariantCulture)));
        }

        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme));
    }

    private static Caller? CallerOf(AuthorizationHandlerContext context) =>
        (context.Resource as HttpContext)?.Features.Get<Caller>();

    /// <summary>A refused caller gets a problem saying so (403), not an empty answer.</summary>
    private sealed class ForbiddenAsProblem : IAuthorizationMiddlewareResultHandler
    {
        private readonly AuthorizationMiddlewareResultHandler _default = new();

        public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
        {
            if (authorizeResult.Forbidden && context.Features.Get<Caller>() is { } caller)
            {
                var detail = caller.MemberId is not null
                    ? "a member session may use only the member's own routes (/api/v1/me)"
                    : caller.IsStaff ? "the front desk handles members, bookings, visitors and doors, not money or configuration" : "this caller may not use this route";
                await Problems.Forbidden(detail).ExecuteAsync(context);
                return;
            }

            await _default.HandleAsync(next, context, policy, authorizeResult);
        }
    }
}
