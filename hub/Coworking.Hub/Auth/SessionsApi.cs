using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Coworking.Hub.Audit;
using Coworking.Hub.Http;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Coworking.Hub.Auth;

public sealed record LoginRequest(string? Email, string? Password, string? Code = null, string? RecoveryCode = null, string? ReturnUrl = null);

public sealed record SecondFactorRequest(string? Challenge, string? Code = null, string? RecoveryCode = null, string? ReturnUrl = null);

/// <summary>The password was right; send the challenge with a TOTP or recovery code to /auth/login/second-factor within 5 minutes.</summary>
public sealed record SecondFactorChallenge(bool SecondFactorRequired, string Challenge);

public sealed record EmailRequest(string? Email);

public sealed record NewPasswordRequest(string? Password);

public sealed record ChangePasswordRequest(string? CurrentPassword, string? NewPassword);

public sealed record CodeRequest(string? Code);

public sealed record PasswordRequest(string? Password);

public sealed record AntiforgeryResponse(string Token, string HeaderName);

public sealed record WhoAmIResponse(ActorKind ActorKind, Guid? ActorId, Guid OrganisationId, Role Role, IReadOnlyList<Guid> LocationIds, Guid? SessionId);

/// <summary>
/// Signing in and out (outside /api/v1): operators with e-mail, password and an optional TOTP second factor, members
/// with an e-mailed link; the caller's own sessions; password change and reset. Login and the second step take JSON
/// or a form post (a form is answered with a redirect: Auth:ConsolePath, Auth:PortalPath, Auth:LoginPath).
/// </summary>
public static class SessionsApi
{
    public const string LoginLimit = "login";
    public const string LinkLimit = "links";
    private const string ChallengeCookie = "cw_login_challenge";

    public static IEndpointRouteBuilder MapSessionsApi(this IEndpointRouteBuilder routes)
    {
        var auth = routes.MapGroup("/auth").WithTags("Sign-in");
        auth.MapGet("/antiforgery", Antiforgery).AllowAnonymous();
        auth.MapPost("/login", Login).AllowAnonymous().RequireRateLimiting(LoginLimit);
        auth.MapPost("/login/second-factor", LoginSecondFactor).AllowAnonymous().RequireRateLimiting(LoginLimit);
        auth.MapPost("/logout", Logout).RequireAuthorization(HubAuthentication.SignedInPolicy);
        auth.MapGet("/me", WhoAmI).RequireAuthorization(HubAuthentication.SignedInPolicy);
        auth.MapGet("/sessions", ListSessions).RequireAuthorization(HubAuthentication.SignedInPolicy);
        auth.MapDelete("/sessions/{id:guid}", RevokeSession).RequireAuthorization(HubAuthentication.SignedInPolicy);
        auth.MapDelete("/sessions", RevokeOtherSessions).RequireAuthorization(HubAuthentication.SignedInPolicy);
        auth.MapPost("/password", ChangePassword).RequireAuthorization(HubAuthentication.OperatorPolicy).RequireRateLimiting(LoginLimit);
        auth.MapPost("/password-reset", RequestPasswordReset).AllowAnonymous().RequireRateLimiting(LinkLimit);
        auth.MapGet("/password-reset/{token}", PasswordResetPage).AllowAnonymous().RequireRateLimiting(LinkLimit).WithMetadata(SecretInPath.Instance);
        auth.MapPost("/password-reset/{token}", ResetPassword).AllowAnonymous().RequireRateLimiting(LinkLimit).WithMetadata(SecretInPath.Instance);
        auth.MapGet("/invitation/{token}", InvitationPage).AllowAnonymous().RequireRateLimiting(LinkLimit).WithMetadata(SecretInPath.Instance);
        auth.MapPost("/invitation/{token}", AcceptInvitation).AllowAnonymous().RequireRateLimiting(LinkLimit).WithMetadata(SecretInPath.Instance);
        auth.MapPost("/totp", EnrolTotp).RequireAuthorization(HubAuthentication.OperatorPolicy);
        auth.MapPost("/totp/confirm", ConfirmTotp).RequireAuthorization(HubAuthentication.OperatorPolicy).RequireRateLimiting(LoginLimit);
        auth.MapPost("/totp/disable", DisableTotp).RequireAuthorization(HubAuthentication.OperatorPolicy).RequireRateLimiting(LoginLimit);
        auth.MapPost("/sign-in-link", RequestSignInLink).AllowAnonymous().RequireRateLimiting(LinkLimit);
        auth.MapGet("/sign-in/{token}", SignInPage).AllowAnonymous().RequireRateLimiting(LinkLimit).WithMetadata(SecretInPath.Instance);
        auth.MapPost("/sign-in/{token}", SignInWithLink).AllowAnonymous().RequireRateLimiting(LinkLimit).WithMetadata(SecretInPath.Instance);
        return routes;
    }

    /// <summary>The token a cookie-authenticated write carries in the X-CSRF-TOKEN header (or a form its field), and its cookie.</summary>
    internal static Ok<AntiforgeryResponse> Antiforgery(HttpContext context, IAntiforgery antiforgery) =>
        TypedResults.Ok(new AntiforgeryResponse(antiforgery.GetAndStoreTokens(context).RequestToken!, CookieAntiforgery.HeaderName));

    internal static async Task<Results<Ok<SignedInResponse>, Ok<SecondFactorChallenge>, RedirectHttpResult, ProblemHttpResult, ValidationProblem>> Login(
        HttpContext context, OperatorLogin login, SignIn signIn, AuthAudit audit, IConfiguration configuration, CancellationToken cancellationToken)
    {
        var form = context.Request.HasFormContentType;
        var request = await ReadAsync(context.Request, f => new LoginRequest(f["email"], f["password"], f["code"], f["recoveryCode"], f["returnUrl"]), cancellationToken);
        var errors = new ValidationErrors();
        errors.Required("email", request?.Email, maxLength: 254);
        errors.Required("password", request?.Password);
        if (errors.Any)
        {
            return form ? Redirect(LoginPath(configuration) + "?error=failed") : errors.ToProblem();
        }

        var result = await login.LoginAsync(request!.Email!, request.Password!, request.Code, request.RecoveryCode, ClientAddress(context), cancellationToken);
        return await AnswerAsync(context, result, request.ReturnUrl, signIn, audit, configuration, cancellationToken);
    }

    internal static async Task<Results<Ok<SignedInResponse>, Ok<SecondFactorChallenge>, RedirectHttpResult, ProblemHttpResult, ValidationProblem>> LoginSecondFactor(
        HttpContext context, OperatorLogin login, SignIn signIn, AuthAudit audit, IConfiguration configuration, CancellationToken cancellationToken)
    {
        var request = await ReadAsync(context.Request, f => new SecondFactorRequest(f["challenge"], f["code"], f["recoveryCode"], f["returnUrl"]), cancellationToken);
        var challenge = request?.Challenge is { Length: > 0 } given ? given : context.Request.Cookies[ChallengeCookie];
        var result = await login.SecondStepAsync(challenge, request?.Code, request?.RecoveryCode, ClientAddress(context), cancellationToken);
        if (result.Outcome == LoginOutcome.SignedIn)
        {
            context.Response.Cookies.Delete(ChallengeCookie, ChallengeCookieOptions(context));
        }

        return await AnswerAsync(context, result, request?.ReturnUrl, signIn, audit, configuration, cancellationToken);
    }

    internal static async Task<NoContent> Logout(HttpContext context, SessionStore sessions, AuthAudit audit, CancellationToken cancellationToken)
    {
        if (context.Features.Get<SessionCaller>() is { } session)
        {
            await sessions.RevokeAsync(session.Caller.Actor, session.SessionId, cancellationToken);
            await audit.RecordAsync(context, session.Caller, "signed_out", cancellationToken, new JsonObject { ["sessionId"] = session.SessionId.ToString() });
        }

        SessionCookie.Clear(context);
        return TypedResults.NoContent();
    }

    internal static Ok<WhoAmIResponse> WhoAmI(Caller caller, HttpContext context) => TypedResults.Ok(new WhoAmIResponse(
        caller.Actor.Kind, caller.Actor.Id, caller.OrganisationId, caller.Role, [.. caller.LocationIds], context.Features.Get<SessionCaller>()?.SessionId));

    internal static async Task<Results<Ok<Page<SessionResponse>>, ProblemHttpResult>> ListSessions(
        Caller caller, HttpContext context, SessionStore sessions, CancellationToken cancellationToken) =>
        context.Features.Get<SessionCaller>() is { } current
            ? TypedResults.Ok(new Page<SessionResponse>(await sessions.ListAsync(caller.Actor, current.SessionId, cancellationToken), null))
            : NotASession();

    internal static async Task<Results<NoContent, NotFound, ProblemHttpResult>> RevokeSession(
        Guid id, Caller caller, HttpContext context, SessionStore sessions, AuthAudit audit, CancellationToken cancellationToken)
    {
        if (context.Features.Get<SessionCaller>() is not { } current)
        {
            return NotASession();
        }

        if (!await sessions.RevokeAsync(caller.Actor, id, cancellationToken))
        {
            return TypedResults.NotFound();
        }

        await audit.RecordAsync(context, caller, "session_revoked", cancellationToken, new JsonObject { ["sessionId"] = id.ToString() });

        if (id == current.SessionId)
        {
            SessionCookie.Clear(context);
        }

        return TypedResults.NoContent();
    }

    /// <summary>Signs out everywhere else: every session of the caller but this one.</summary>
    internal static async Task<Results<NoContent, ProblemHttpResult>> RevokeOtherSessions(
        Caller caller, HttpContext context, SessionStore sessions, AuthAudit audit, CancellationToken cancellationToken)
    {
        if (context.Features.Get<SessionCaller>() is not { } current)
        {
            return NotASession();
        }

        var revoked = await sessions.RevokeAllAsync(caller.Actor, current.SessionId, cancellationToken);
        await audit.RecordAsync(context, caller, "other_sessions_revoked", cancellationToken, new JsonObject { ["revoked"] = revoked });
        return TypedResults.NoContent();
    }

    internal static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> ChangePassword(
        ChangePasswordRequest request, Caller caller, HttpContext context, OperatorLogin login, AuthAudit audit, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        errors.Required("currentPassword", request.CurrentPassword);
        ValidateNewPassword("newPassword", request.NewPassword, errors);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var operatorId = caller.Actor.Id!.Value;
        switch (await login.CheckPasswordAsync(operatorId, request.CurrentPassword, ClientAddress(context), cancellationToken))
        {
            case LoginOutcome.Locked:
                await audit.RecordAsync(context, caller, "locked", cancellationToken);
                return Locked(context);
            case LoginOutcome.Failed:
                await audit.RecordAsync(context, caller, "wrong_password", cancellationToken);
                return WrongPassword("currentPassword");
        }

        await login.SetPasswordAsync(operatorId, request.NewPassword!, context.Features.Get<SessionCaller>()?.SessionId, cancellationToken);
        await audit.RecordAsync(context, caller, "password_changed", cancellationToken);
        return TypedResults.NoContent();
    }

    /// <summary>Always 202, whether or not an operator has the address: the answer tells nothing.</summary>
    internal static Task<Results<Accepted, RedirectHttpResult, ValidationProblem>> RequestPasswordReset(
        HttpContext context, EmailedLinks links, IConfiguration configuration, CancellationToken cancellationToken) =>
        SendLinkAsync(context, links.PasswordResetAsync, LoginPath(configuration) + "?reset=sent", configuration, cancellationToken);

    /// <summary>The page the reset e-mail links to: a form for the new password, posted back to the same address.</summary>
    internal static ContentHttpResult PasswordResetPage(HttpContext context, IAntiforgery antiforgery) => HtmlPage(
        "Choose a new password",
        $"""
        <form method="post">{AntiforgeryField(context, antiforgery)}
          <label for="password">New password (at least 12 characters)</label>
          <input id="password" name="password" type="password" autocomplete="new-password" minlength="12" maxlength="200" required>
          <button type="submit">Set password</button>
        </form>
        """);

    internal static async Task<Results<NoContent, RedirectHttpResult, ContentHttpResult, ValidationProblem, ProblemHttpResult>> ResetPassword(
        string token, HttpContext context, OneTimeTokens tokens, OperatorLogin login, AuthAudit audit, IConfiguration configuration, CancellationToken cancellationToken)
    {
        var form = context.Request.HasFormContentType;
        var request = await ReadAsync(context.Request, f => new NewPasswordRequest(f["password"]), cancellationToken);
        var errors = new ValidationErrors();
        ValidateNewPassword("password", request?.Password, errors);
        if (errors.Any)
        {
            return form ? HtmlPage("Choose a new password", "<p>The password must be 12 to 200 characters. Go back and try again.</p>", 400) : errors.ToProblem();
        }

        if (await tokens.UseAsync(TokenPurpose.PasswordReset, token, cancellationToken) is not { } subject)
        {
            return form ? HtmlPage("Link not valid", "<p>This link was used already or has expired. Ask for a new one.</p>", 401) : LinkNotValid();
        }

        await login.SetPasswordAsync(subject.SubjectId, request!.Password!, keep: null, cancellationToken);
        var account = new Actor(ActorKind.Operator, subject.SubjectId);
        await audit.RecordAsync(context, subject.OrganisationId, account, account, new JsonObject { ["outcome"] = "password_reset" }, cancellationToken);
        return form ? Redirect(LoginPath(configuration) + "?reset=done") : TypedResults.NoContent();
    }

    /// <summary>An invited operator's link: accept the invitation by choosing a password (the link is checked first, so a dead one says so at once).</summary>
    internal static async Task<ContentHttpResult> InvitationPage(string token, HttpContext context, IAntiforgery antiforgery, OneTimeTokens tokens, CancellationToken cancellationToken) =>
        await tokens.FindAsync(TokenPurpose.OperatorInvitation, token, cancellationToken) is null
            ? HtmlPage("Invitation not valid", "<p>This invitation was accepted already, was sent again, or has expired. Ask an administrator to invite you again.</p>", 401)
            : HtmlPage(
                "Accept the invitation",
                $"""
                <p>Choose the password you will log in to the console with. This link works once, within three days of the invitation.</p>
                <form method="post">{AntiforgeryField(context, antiforgery)}
                  <label for="password">Your password (at least 12 characters)</label>
                  <input id="password" name="password" type="password" autocomplete="new-password" minlength="12" maxlength="200" required>
                  <button type="submit">Accept and set password</button>
                </form>
                """);

    internal static async Task<Results<NoContent, RedirectHttpResult, ContentHttpResult, ValidationProblem, ProblemHttpResult>> AcceptInvitation(
        string token, HttpContext context, OneTimeTokens tokens, OperatorLogin login, AuthAudit audit, IConfiguration configuration, CancellationToken cancellationToken)
    {
        var form = context.Request.HasFormContentType;
        var request = await ReadAsync(context.Request, f => new NewPasswordRequest(f["password"]), cancellationToken);
        var errors = new ValidationErrors();
        ValidateNewPassword("password", request?.Password, errors);
        if (errors.Any)
        {
            return form ? HtmlPage("Accept the invitation", "<p>The password must be 12 to 200 characters. Go back and try again.</p>", 400) : errors.ToProblem();
        }

        if (await tokens.UseAsync(TokenPurpose.OperatorInvitation, token, cancellationToken) is not { } subject)
        {
            return form
                ? HtmlPage("Invitation not valid", "<p>This invitation was accepted already, was sent again, or has expired. Ask an administrator to invite you again.</p>", 401)
                : LinkNotValid();
        }

        await login.SetPasswordAsync(subject.SubjectId, request!.Password!, keep: null, cancellationToken);
        var account = new Actor(ActorKind.Operator, subject.SubjectId);
        await audit.RecordAsync(context, subject.OrganisationId, account, account, new JsonObject { ["outcome"] = "invitation_accepted" }, cancellationToken);
        return form ? Redirect(LoginPath(configuration) + "?invitation=accepted") : TypedResults.NoContent();
    }

    internal static async Task<Results<Ok<TotpEnrolment>, ProblemHttpResult>> EnrolTotp(
        Caller caller, HttpContext context, SecondFactor secondFactor, OperatorStore operators, AuthAudit audit, CancellationToken cancellationToken)
    {
        var email = await operators.EmailAsync(caller.Actor.Id!.Value, cancellationToken);
        if (await secondFactor.EnrolAsync(caller.Actor.Id!.Value, email ?? string.Empty, cancellationToken) is not { } enrolment)
        {
            return Problems.Conflict("totp", "a second factor is on already; turn it off first to enrol a new one");
        }

        await audit.RecordAsync(context, caller, "second_factor_enrolment_started", cancellationToken);
        return TypedResults.Ok(enrolment);
    }

    internal static async Task<Results<Ok<RecoveryCodes>, ProblemHttpResult>> ConfirmTotp(
        CodeRequest request, Caller caller, HttpContext context, SecondFactor secondFactor, AuthAudit audit, CancellationToken cancellationToken)
    {
        if (await secondFactor.ConfirmAsync(caller.Actor.Id!.Value, request.Code, cancellationToken) is not { } codes)
        {
            return Problems.Unprocessable("code", "is not the current code of the secret being enrolled (or nothing is being enrolled)");
        }

        await audit.RecordAsync(context, caller, "second_factor_enrolled", cancellationToken);
        return TypedResults.Ok(codes);
    }

    internal static async Task<Results<NoContent, ProblemHttpResult>> DisableTotp(
        PasswordRequest request, Caller caller, HttpContext context, OperatorLogin login, SecondFactor secondFactor, AuthAudit audit, CancellationToken cancellationToken)
    {
        switch (await login.CheckPasswordAsync(caller.Actor.Id!.Value, request.Password, ClientAddress(context), cancellationToken))
        {
            case LoginOutcome.Locked:
                await audit.RecordAsync(context, caller, "locked", cancellationToken);
                return Locked(context);
            case LoginOutcome.Failed:
                await audit.RecordAsync(context, caller, "wrong_password", cancellationToken);
                return WrongPassword("password");
        }

        await secondFactor.DisableAsync(caller.Actor.Id!.Value, cancellationToken);
        await audit.RecordAsync(context, caller, "second_factor_disabled", cancellationToken);
        return TypedResults.NoContent();
    }

    /// <summary>Always 202, whether or not a member has the address.</summary>
    internal static Task<Results<Accepted, RedirectHttpResult, ValidationProblem>> RequestSignInLink(
        HttpContext context, EmailedLinks links, IConfiguration configuration, CancellationToken cancellationToken) =>
        SendLinkAsync(context, links.MemberSignInAsync, PortalPath(configuration) + "?link=sent", configuration, cancellationToken);

    /// <summary>
    /// The page the sign-in e-mail links to. Opening it signs nobody in (mail scanners open links); its button posts
    /// the link back, which does.
    /// </summary>
    internal static ContentHttpResult SignInPage(HttpContext context, IAntiforgery antiforgery) => HtmlPage(
        "Sign in",
        $"""
        <form method="post">{AntiforgeryField(context, antiforgery)}
          <button type="submit">Sign in to the member portal</button>
        </form>
        """);

    internal static async Task<Results<Ok<SignedInResponse>, RedirectHttpResult, ContentHttpResult, ProblemHttpResult>> SignInWithLink(
        string token, HttpContext context, OneTimeTokens tokens, SignIn signIn, IConfiguration configuration, CancellationToken cancellationToken)
    {
        var form = context.Request.HasFormContentType;
        if (await tokens.UseAsync(TokenPurpose.MemberSignIn, token, cancellationToken) is not { } subject)
        {
            return form ? HtmlPage("Link not valid", "<p>This sign-in link was used already or has expired. Ask for a new one.</p>", 401) : LinkNotValid();
        }

        var signedIn = await signIn.MemberAsync(context, subject.OrganisationId, subject.SubjectId, cancellationToken);
        return form ? Redirect(PortalPath(configuration)) : TypedResults.Ok(signedIn);
    }

    private static async Task<Results<Ok<SignedInResponse>, Ok<SecondFactorChallenge>, RedirectHttpResult, ProblemHttpResult, ValidationProblem>> AnswerAsync(
        HttpContext context, LoginResult result, string? returnUrl, SignIn signIn, AuthAudit audit, IConfiguration configuration, CancellationToken cancellationToken)
    {
        var form = context.Request.HasFormContentType;
        if (result.Reason is { } reason)
        {
            await audit.AttemptedAsync(context, result.Attempted, reason, cancellationToken);
        }

        switch (result.Outcome)
        {
            case LoginOutcome.SignedIn:
                var signedIn = await signIn.SignInAsync(context, result.Caller!, cancellationToken);
                return form ? Redirect(LocalOrNull(returnUrl) ?? configuration["Auth:ConsolePath"] ?? "/console/") : TypedResults.Ok(signedIn);
            case LoginOutcome.SecondFactorRequired:
                context.Response.Cookies.Append(ChallengeCookie, result.Challenge!, ChallengeCookieOptions(context));
                return form ? Redirect(LoginPath(configuration) + "?step=second-factor") : TypedResults.Ok(new SecondFactorChallenge(true, result.Challenge!));
            case LoginOutcome.Locked:
                return form ? Redirect(LoginPath(configuration) + "?error=locked") : Locked(context);
            default:
                return form
                    ? Redirect(LoginPath(configuration) + "?error=failed")
                    : TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Not signed in", detail: "The e-mail address, password or code is not right.");
        }
    }

    /// <summary>Reads the e-mail address and has the link sent; the answer is the same whoever has the address.</summary>
    private static async Task<Results<Accepted, RedirectHttpResult, ValidationProblem>> SendLinkAsync(
        HttpContext context, Func<string, string, CancellationToken, Task> send, string formRedirect, IConfiguration configuration, CancellationToken cancellationToken)
    {
        var request = await ReadAsync(context.Request, f => new EmailRequest(f["email"]), cancellationToken);
        var errors = new ValidationErrors();
        errors.Required("email", request?.Email, maxLength: 254);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        await send(request!.Email!, PublicUrl.Of(configuration, context.Request), cancellationToken);
        return context.Request.HasFormContentType ? Redirect(formRedirect) : TypedResults.Accepted((string?)null);
    }

    /// <summary>A body as JSON or as a posted form; null when it is neither or does not parse.</summary>
    private static async Task<T?> ReadAsync<T>(HttpRequest request, Func<IFormCollection, T> fromForm, CancellationToken cancellationToken)
        where T : class
    {
        if (request.HasFormContentType)
        {
            return fromForm(await request.ReadFormAsync(cancellationToken));
        }

        try
        {
            return request.HasJsonContentType() ? await request.ReadFromJsonAsync<T>(cancellationToken) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static void ValidateNewPassword(string field, string? password, ValidationErrors errors)
    {
        if (password is not { Length: >= 12 and <= 200 })
        {
            errors.Add(field, "must be 12 to 200 characters");
        }
    }

    private static string? ClientAddress(HttpContext context) => context.Connection.RemoteIpAddress?.ToString();

    private static string LoginPath(IConfiguration configuration) => configuration["Auth:LoginPath"] ?? "/login";

    private static string PortalPath(IConfiguration configuration) => configuration["Auth:PortalPath"] ?? "/portal/";

    /// <summary>Only a path on this hub: never another site, so a crafted login link cannot send a person elsewhere.</summary>
    private static string? LocalOrNull(string? url) =>
        url is { Length: > 1 and <= 500 } && url[0] == '/' && url[1] != '/' && url[1] != '\\' ? url : null;

    private static RedirectHttpResult Redirect(string path) =>
        TypedResults.Redirect(path, permanent: false, preserveMethod: false);

    private static CookieOptions ChallengeCookieOptions(HttpContext context) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        Secure = context.Request.IsHttps,
        Path = "/auth",
        MaxAge = OneTimeTokens.SecondFactorLifetime,
    };

    private static ProblemHttpResult Locked(HttpContext context)
    {
        context.Response.Headers.RetryAfter = ((int)LoginThrottle.LockFor.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        return TypedResults.Problem(
            statusCode: StatusCodes.Status429TooManyRequests, title: "Too many failed attempts", detail: "Sign-in is locked for a while after repeated failures; try again later.");
    }

    private static ProblemHttpResult WrongPassword(string field) =>
        TypedResults.Problem(new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = ["is not your current password"] })
        {
            Status = StatusCodes.Status403Forbidden,
            Title = "Forbidden",
        });

    private static ProblemHttpResult NotASession() =>
        Problems.Forbidden("only a signed-in browser has sessions; an API key has none");

    private static ProblemHttpResult LinkNotValid() => TypedResults.Problem(
        statusCode: StatusCodes.Status401Unauthorized, title: "Link not valid", detail: "The link was used already or has expired; ask for a new one.");

    private static string AntiforgeryField(HttpContext context, IAntiforgery antiforgery)
    {
        var tokens = antiforgery.GetAndStoreTokens(context);
        return $"<input type=\"hidden\" name=\"{WebUtility.HtmlEncode(tokens.FormFieldName)}\" value=\"{WebUtility.HtmlEncode(tokens.RequestToken)}\">";
    }

    private static ContentHttpResult HtmlPage(string title, string body, int status = StatusCodes.Status200OK) => TypedResults.Content(
        $"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{WebUtility.HtmlEncode(title)}</title></head>"
        + $"<body><main><h1>{WebUtility.HtmlEncode(title)}</h1>{body}</main></body></html>",
        "text/html; charset=utf-8",
        statusCode: status);
}
