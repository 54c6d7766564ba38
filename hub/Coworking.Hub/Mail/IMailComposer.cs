using MimeKit;
using Npgsql;

namespace Coworking.Hub.Mail;

/// <summary>
/// Makes the messages of some kinds of mail outbox rows from what the row keeps (<see cref="MailOutbox"/> asks the
/// composer that names the row's kind). What a composer reads, it reads on the sender's connection, inside the
/// transaction that claimed the row: one connection for a whole batch of messages.
/// </summary>
internal interface IMailComposer
{
    IReadOnlyCollection<string> Kinds { get; }

    Task<MimeMessage> ComposeAsync(NpgsqlConnection conn, string kind, string payload, CancellationToken cancellationToken);
}
