using Coworking.Hub.Database;
using Microsoft.AspNetCore.Authorization;
using Npgsql;

namespace Coworking.Hub.Auth;

/// <summary>A request's <see cref="TenantScope"/>, and the check that the hub's database role is held to it.</summary>
internal static class Tenancy
{
    /// <summary>
    /// After authentication: a request with a caller acts for the caller's organisation only. A route open to anonymous
    /// callers (sign-in, e-mailed links, passkey sign-in, webhooks, the calendar feed, the sign-in pages) is reached
    /// before any organisation is known, so it acts as the system and finds the organisation from what it was given (a
    /// token, a signature, a credential); each of those handlers filters by it. Any other request sees nothing.
    /// </summary>
    public static WebApplication UseTenantScope(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            using var scope = context.Features.Get<Caller>() is { } caller
                ? TenantScope.Organisation(caller.OrganisationId)
                : context.GetEndpoint()?.Metadata.GetMetadata<IAllowAnonymous>() is not null
                    ? TenantScope.System("an anonymous route: the organisation is found from the token or signature it was given")
                    : TenantScope.Nothing();
            await next(context);
        });
        return app;
    }

    /// <summary>Warns when the hub's role is a superuser or may bypass row-level security: the second wall is then down.</summary>
    public static void WarnIfBypassed(NpgsqlDataSource db, ILogger logger)
    {
        using var conn = db.OpenConnection();
        using var cmd = new NpgsqlCommand("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user", conn);
        if (cmd.ExecuteScalar() is true)
        {
            logger.LogWarning(
                "The hub's database role {Role} is a superuser or has BYPASSRLS: row-level security does not hold it to an organisation (docs/SECURITY.md)",
                conn.UserName);
        }
    }
}
