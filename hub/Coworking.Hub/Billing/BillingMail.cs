using System.Globalization;
using System.Net;
using Coworking.Hub.Mail;
using Dapper;
using MimeKit;
using Npgsql;

namespace Coworking.Hub.Billing;

/// <summary>What a failed payment's e-mail is composed from, as the mail outbox keeps it until sent.</summary>
internal sealed record PaymentFailedMail(Guid InvoiceId, DateTimeOffset? NextAttempt, bool OutOfRetries);

/// <summary>What a renewal reminder is composed from.</summary>
internal sealed record RenewalMail(Guid MemberId, string Name, string Email, string Tier, DateOnly RenewsOn, long PriceMinor, string Currency);

/// <summary>
/// Billing's e-mails to members: each new invoice (HTML body, PDF attached), a failed card payment with the link to
/// update the card and the next try, and a reminder before each period renews. Each is queued in the durable mail
/// outbox (<see cref="MailQueue"/>) and composed when it is sent, from the invoice as it then stands. Logs name ids,
/// never amounts or cards.
/// </summary>
internal sealed class BillingMail(MailQueue queue, Organisations.OrganisationStore organisations, CardSetupLinks links) : IMailComposer
{
    public IReadOnlyCollection<string> Kinds { get; } = [MailOutbox.InvoiceKind, MailOutbox.PaymentFailedKind, MailOutbox.RenewalKind];

    /// <summary>The outbox row of a new invoice's e-mail, for the transaction that issues it.</summary>
    public static NpgsqlBatchCommand InvoiceCommand(InvoiceResponse invoice, DateTimeOffset now) =>
        MailQueue.Command(MailOutbox.InvoiceKind, invoice.Id, $"invoice {invoice.Id} to member {invoice.MemberId}", now);

    /// <summary>
    /// The outbox row of a failed payment's e-mail, for the transaction that records the failure; the link to save a
    /// new card is made when the e-mail is composed.
    /// </summary>
    public static NpgsqlBatchCommand PaymentFailedCommand(Guid invoiceId, DateTimeOffset? nextAttempt, bool outOfRetries, DateTimeOffset now) =>
        MailQueue.Command(MailOutbox.PaymentFailedKind, new PaymentFailedMail(invoiceId, nextAttempt, outOfRetries), $"payment failure of invoice {invoiceId}", now);

    /// <summary>
    /// Queues the reminder in <paramref name="tx"/>, the transaction that records it as sent, so it is mailed exactly
    /// once; the caller calls <see cref="WakeSender"/> once that commits.
    /// </summary>
    public Task RenewalReminderAsync(NpgsqlConnection conn, NpgsqlTransaction tx, RenewalMail reminder, CancellationToken cancellationToken) =>
        queue.QueueAsync(conn, tx, MailOutbox.RenewalKind, reminder, $"renewal reminder to member {reminder.MemberId}", cancellationToken);

    public void WakeSender() => queue.WakeSender();

    public Task<MimeMessage> ComposeAsync(NpgsqlConnection conn, string kind, string payload, CancellationToken cancellationToken) => kind switch
    {
        MailOutbox.InvoiceKind => ComposeInvoiceAsync(conn, MailQueue.Read<Guid>(payload), cancellationToken),
        MailOutbox.PaymentFailedKind => ComposePaymentFailedAsync(conn, MailQueue.Read<PaymentFailedMail>(payload), cancellationToken),
        MailOutbox.RenewalKind => Task.FromResult(ComposeRenewal(MailQueue.Read<RenewalMail>(payload))),
        _ => throw new InvalidOperationException($"no billing mail of kind {kind}"),
    };

    private async Task<MimeMessage> ComposeInvoiceAsync(NpgsqlConnection conn, Guid invoiceId, CancellationToken cancellationToken)
    {
        var invoice = await ReadInvoiceAsync(conn, invoiceId, cancellationToken);
        var organisation = await organisations.NameAsync(await OrganisationOfAsync(conn, invoice.MemberId, cancellationToken), cancellationToken) ?? string.Empty;
        var body = new BodyBuilder
        {
            HtmlBody = InvoiceDocument.Html(invoice, organisation),
            TextBody = $"{InvoiceDocument.Title(invoice)}: {InvoiceDocument.Amount(invoice.GrossMinor, invoice.Currency)}, due {invoice.DueAt.ToString("d MMM yyyy", CultureInfo.InvariantCulture)}. The PDF is attached.",
        };
        body.Attachments.Add(invoice.Number + ".pdf", InvoiceDocument.Pdf(invoice, organisation), new ContentType("application", "pdf"));
        return Message(invoice.BillTo.Name, invoice.BillTo.Email, $"{InvoiceDocument.Title(invoice)} from {organisation}", body);
    }

    private async Task<MimeMessage> ComposePaymentFailedAsync(NpgsqlConnection conn, PaymentFailedMail failure, CancellationToken cancellationToken)
    {
        var invoice = await ReadInvoiceAsync(conn, failure.InvoiceId, cancellationToken);
        var updateCard = await links.UpdateCardLinkAsync(invoice.MemberId, cancellationToken);
        var what = $"We could not take {InvoiceDocument.Amount(invoice.AmountDueMinor, invoice.Currency)} for invoice {invoice.Number} from your saved card.";
        var then = failure.OutOfRetries && await IsSuspendedAsync(conn, invoice.MemberId, cancellationToken)
            ? "Your membership is suspended until it is paid; paying reopens your doors at once."
            : failure.NextAttempt is { } next ? $"We will try again on {next.ToString("d MMM yyyy", CultureInfo.InvariantCulture)}." : "Please pay it or contact us.";
        var body = new BodyBuilder
        {
            TextBody = $"Hello {invoice.BillTo.Name},\n\n{what}\nUpdate your card: {updateCard}\n{then}\n",
            HtmlBody = $"<p>Hello {WebUtility.HtmlEncode(invoice.BillTo.Name)},</p><p>{WebUtility.HtmlEncode(what)}</p><p><a href=\"{WebUtility.HtmlEncode(updateCard.ToString())}\">Update your card</a></p><p>{WebUtility.HtmlEncode(then)}</p>",
        };
        return Message(invoice.BillTo.Name, invoice.BillTo.Email, $"Payment failed: invoice {invoice.Number}", body);
    }

    /// <summary>Whether the member is suspended now (out of retries, dunning suspends them right after the failure commits).</summary>
    private static Task<bool> IsSuspendedAsync(NpgsqlConnection conn, Guid memberId, CancellationToken cancellationToken) =>
        conn.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT EXISTS (SELECT 1 FROM members WHERE id = @memberId AND status = 'suspended')", new { memberId }, cancellationToken: cancellationToken));

    private static MimeMessage ComposeRenewal(RenewalMail reminder)
    {
        var price = new Money(reminder.PriceMinor, reminder.Currency);
        var text = $"Hello {reminder.Name},\n\nYour {reminder.Tier} membership renews on {reminder.RenewsOn.ToString("d MMM yyyy", CultureInfo.InvariantCulture)} at {price}.\n";
        return Message(
            reminder.Name, reminder.Email, $"Your membership renews on {reminder.RenewsOn.ToString("d MMM", CultureInfo.InvariantCulture)}", new BodyBuilder { TextBody = text });
    }

    private static MimeMessage Message(string name, string email, string subject, BodyBuilder body)
    {
        var message = new MimeMessage { Subject = subject, Body = body.ToMessageBody() };
        message.To.Add(new MailboxAddress(name, email));
        return message;
    }

    /// <summary>The invoice the row names; one that no longer reads (a deleted database row) fails the row, which is retried and then given up.</summary>
    private static async Task<InvoiceResponse> ReadInvoiceAsync(NpgsqlConnection conn, Guid invoiceId, CancellationToken cancellationToken) =>
        await InvoiceStore.ReadAsync(conn, null, null, invoiceId, cancellationToken)
            ?? throw new InvalidOperationException($"invoice {invoiceId} is gone");

    private static Task<Guid> OrganisationOfAsync(NpgsqlConnection conn, Guid memberId, CancellationToken cancellationToken) =>
        conn.QuerySingleAsync<Guid>(new CommandDefinition(
            "SELECT organisation_id FROM members WHERE id = @memberId", new { memberId }, cancellationToken: cancellationToken));
}
