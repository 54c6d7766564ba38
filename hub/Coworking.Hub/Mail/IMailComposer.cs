using MimeKit;

namespace Coworking.Hub.Mail;

/// <summary>
/// Makes the messages of some kinds of mail outbox rows from what the row keeps (<see cref="MailOutbox"/> asks the
/// composer that names the row's kind).
/// </summary>
internal interface IMailComposer
{
    IReadOnlyCollection<string> Kinds { get; }

    Task<MimeMessage> ComposeAsync(string kind, string payload, CancellationToken cancellationToken);
}
