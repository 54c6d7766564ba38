using System.Net;
using Coworking.Hub.Mail;
using Dapper;
using MimeKit;
using Npgsql;

namespace Coworking.Hub.Auth;

/// <summary>What an e-mailed link is composed from, as the mail outbox keeps it until sent (then the payload is erased).</summary>
internal sealed record LinkMail(string Name, string Email, string Organisation, string Link, string? InvitedBy = null);

/// <summary>
/// The links the hub e-mails for signing in: an operator's password reset (<see cref="OneTimeTokens.PasswordResetLifetime"/>),
/// an invited operator's link to choose their first password (<see cref="OneTimeTokens.InvitationLifetime"/>) and a
/// member's sign-in link (<see cref="OneTimeTokens.MemberSignInLifetime"/>). The token and its e-mail are written
/// in one transaction through the durable mail outbox. Asking for an address nobody has sends nothing and answers
/// the same; an address shared by people of several organisations gets one link for each.
/// </summary>
internal sealed class EmailedLinks(Database.TenantDataSource db, MailQueue queue, TimeProvider time) : IMailComposer
{
    public const string PasswordResetKind = "password_reset";
    public const string MemberSignInKind = "member_sign_in";
    public const string InvitationKind = "operator_invitation";
    public const string PasswordResetPath = "/auth/password-reset/";
    public const string MemberSignInPath = "/auth/sign-in/";
    public const string InvitationPath = "/auth/invitation/";

    public IReadOnlyCollection<string> Kinds { get; } = [PasswordResetKind, MemberSignInKind, InvitationKind];

    /// <summary>
    /// How many operator invitations an organisation may send in a day (24 hours), sent again ones included: enough for
    /// any team being set up, and a cap on what a stolen admin session can make the hub e-mail to strangers.
    /// </summary>
    public const int InvitationsPerDay = 20;

    /// <summary>Whether the organisation may send another operator invitation now (<see cref="InvitationsPerDay"/>).</summary>
    public async Task<bool> MayInviteAsync(Guid organisationId, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        return await InvitationsTodayAsync(conn, null, organisationId, time.GetUtcNow(), cancellationToken) < InvitationsPerDay;
    }

    /// <summary>
    /// E-mails an operator the link to accept the invitation and choose a password; an invitation sent again supersedes
    /// the one before (its link stops working), so only the newest mail works. False, and nothing sent, when the
    /// organisation has sent <see cref="InvitationsPerDay"/> in the last 24 hours.
    /// </summary>
    public async Task<bool> OperatorInvitationAsync(Guid organisationId, Guid operatorId, string invitedBy, string publicUrl, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        // One invitation of an organisation at a time, so two admins inviting at once cannot both take the last one.
        await conn.ExecuteAsync(new CommandDefinition(
            "SELECT 1 FROM organisations WHERE id = @organisationId FOR NO KEY UPDATE", new { organisationId }, tx, cancellationToken: cancellationToken));
        if (await InvitationsTodayAsync(conn, tx, organisationId, now, cancellationToken) >= InvitationsPerDay)
        {
            return false;
        }

        var person = await conn.QuerySingleAsync<Person>(new CommandDefinition(
            """
            SELECT o.id, o.organisation_id, o.name, o.email, g.name AS organisation
            FROM operators o JOIN organisations g ON g.id = o.organisation_id
            WHERE o.id = @operatorId AND o.organisation_id = @organisationId AND o.disabled_at IS NULL
            """,
            new { operatorId, organisationId }, tx, cancellationToken: cancellationToken));
        await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE one_time_tokens SET used_at = @now
            WHERE purpose = @purpose AND organisation_id = @organisationId AND subject_id = @operatorId AND used_at IS NULL
            """,
            new { now, purpose = Database.DbText.ToDb(TokenPurpose.OperatorInvitation), organisationId, operatorId }, tx, cancellationToken: cancellationToken));
        var token = await OneTimeTokens.CreateAsync(conn, tx, TokenPurpose.OperatorInvitation, new TokenSubject(organisationId, operatorId), now, cancellationToken);
        await queue.QueueAsync(
            conn, tx, InvitationKind, new LinkMail(person.Name, person.Email, person.Organisation, publicUrl + InvitationPath + token, invitedBy),
            $"{InvitationKind} link to {person.Id}", cancellationToken);
        await tx.CommitAsync(cancellationToken);
        queue.WakeSender();
        return true;
    }

    private static Task<long> InvitationsTodayAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, Guid organisationId, DateTimeOffset now, CancellationToken cancellationToken) =>
        conn.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT count(*) FROM one_time_tokens WHERE purpose = @purpose AND organisation_id = @organisationId AND created_at > @since",
            new { purpose = Database.DbText.ToDb(TokenPurpose.OperatorInvitation), organisationId, since = now.AddDays(-1) }, tx, cancellationToken: cancellationToken));

    public Task PasswordResetAsync(string email, string publicUrl, CancellationToken cancellationToken) => SendAsync(
        """
        SELECT o.id, o.organisation_id, o.name, o.email, g.name AS organisation
        FROM operators o JOIN organisations g ON g.id = o.organisation_id
        WHERE lower(o.email) = lower(@email) AND o.disabled_at IS NULL
        """,
        email, TokenPurpose.PasswordReset, PasswordResetKind, publicUrl + PasswordResetPath, cancellationToken);

    public Task MemberSignInAsync(string email, string publicUrl, CancellationToken cancellationToken) => SendAsync(
        """
        SELECT m.id, m.organisation_id, m.name, m.email, g.name AS organisation
        FROM members m JOIN organisations g ON g.id = m.organisation_id
        WHERE lower(m.email) = lower(@email)
        """,
        email, TokenPurpose.MemberSignIn, MemberSignInKind, publicUrl + MemberSignInPath, cancellationToken);

    private async Task SendAsync(string findPeople, string email, TokenPurpose purpose, string kind, string linkBase, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        var people = await conn.QueryAsync<Person>(new CommandDefinition(findPeople, new { email = email.Trim() }, tx, cancellationToken: cancellationToken));
        var queued = false;
        foreach (var person in people)
        {
            var token = await OneTimeTokens.CreateAsync(conn, tx, purpose, new TokenSubject(person.OrganisationId, person.Id), now, cancellationToken);
            await queue.QueueAsync(conn, tx, kind, new LinkMail(person.Name, person.Email, person.Organisation, linkBase + token), $"{kind} link to {person.Id}", cancellationToken);
            queued = true;
        }

        await tx.CommitAsync(cancellationToken);
        if (queued)
        {
            queue.WakeSender();
        }
    }

    public Task<MimeMessage> ComposeAsync(NpgsqlConnection conn, string kind, string payload, CancellationToken cancellationToken)
    {
        var mail = MailQueue.Read<LinkMail>(payload);
        var (subject, text) = kind switch
        {
            PasswordResetKind => (
                $"Reset your password for {mail.Organisation}",
                "Someone (hopefully you) asked to reset your console password. The link works once, for an hour; if you did not ask, ignore this e-mail."),
            InvitationKind => (
                $"{mail.InvitedBy ?? "An administrator"} invited you to the {mail.Organisation} console",
                $"{mail.InvitedBy ?? "An administrator"} made you an operator of {mail.Organisation}'s coworking console. Follow the link to accept and choose your password; it works once, within three days. If you did not expect this, ignore this e-mail."),
            MemberSignInKind => (
                $"Sign in to {mail.Organisation}",
                "Follow the link to sign in to the member portal. It works once, for 15 minutes; if you did not ask for it, ignore this e-mail."),
            _ => throw new InvalidOperationException($"no sign-in mail of kind {kind}"),
        };
        var body = new BodyBuilder
        {
            TextBody = $"Hello {mail.Name},\n\n{text}\n\n{mail.Link}\n",
            HtmlBody = $"<p>Hello {WebUtility.HtmlEncode(mail.Name)},</p><p>{WebUtility.HtmlEncode(text)}</p><p><a href=\"{WebUtility.HtmlEncode(mail.Link)}\">{WebUtility.HtmlEncode(mail.Link)}</a></p>",
        };
        var message = new MimeMessage { Subject = subject, Body = body.ToMessageBody() };
        message.To.Add(new MailboxAddress(mail.Name, mail.Email));
        return Task.FromResult(message);
    }

    private sealed record Person
    {
        public Guid Id { get; init; }

        public Guid OrganisationId { get; init; }

        public string Name { get; init; } = string.Empty;

        public string Email { get; init; } = string.Empty;

        public string Organisation { get; init; } = string.Empty;
    }
}
