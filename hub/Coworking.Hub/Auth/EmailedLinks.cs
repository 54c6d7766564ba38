using System.Net;
using Coworking.Hub.Mail;
using Dapper;
using MimeKit;
using Npgsql;

namespace Coworking.Hub.Auth;

/// <summary>What an e-mailed link is composed from, as the mail outbox keeps it until sent (then the payload is erased).</summary>
internal sealed record LinkMail(string Name, string Email, string Organisation, string Link);

/// <summary>
/// The links the hub e-mails for signing in: an operator's password reset (<see cref="OneTimeTokens.PasswordResetLifetime"/>)
/// and a member's sign-in link (<see cref="OneTimeTokens.MemberSignInLifetime"/>). The token and its e-mail are written
/// in one transaction through the durable mail outbox. Asking for an address nobody has sends nothing and answers
/// the same; an address shared by people of several organisations gets one link for each.
/// </summary>
internal sealed class EmailedLinks(Database.TenantDataSource db, MailQueue queue, TimeProvider time) : IMailComposer
{
    public const string PasswordResetKind = "password_reset";
    public const string MemberSignInKind = "member_sign_in";
    public const string PasswordResetPath = "/auth/password-reset/";
    public const string MemberSignInPath = "/auth/sign-in/";

    public IReadOnlyCollection<string> Kinds { get; } = [PasswordResetKind, MemberSignInKind];

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
