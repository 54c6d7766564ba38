using System.Globalization;
using System.Net;
using Coworking.Hub.Mail;
using Dapper;
using MimeKit;
using Npgsql;

namespace Coworking.Hub.Billing;

/// <summary>
/// Billing's e-mails to members: each new invoice (HTML body, PDF attached), a failed card payment with the link to
/// update the card and the next try, and a reminder before each period renews. Logs name ids, never amounts or cards.
/// </summary>
internal sealed class BillingMail(NpgsqlDataSource db, Mailer mailer, Organisations.OrganisationStore organisations)
{
    public async Task InvoiceAsync(InvoiceResponse invoice, CancellationToken cancellationToken)
    {
        var organisation = await organisations.NameAsync(await OrganisationOfAsync(invoice.MemberId, cancellationToken), cancellationToken) ?? string.Empty;
        var body = new BodyBuilder
        {
            HtmlBody = InvoiceDocument.Html(invoice, organisation),
            TextBody = $"{InvoiceDocument.Title(invoice)}: {InvoiceDocument.Amount(invoice.GrossMinor, invoice.Currency)}, due {invoice.DueAt.ToString("d MMM yyyy", CultureInfo.InvariantCulture)}. The PDF is attached.",
        };
        body.Attachments.Add(invoice.Number + ".pdf", InvoiceDocument.Pdf(invoice, organisation), new ContentType("application", "pdf"));
        Send(invoice.BillTo.Name, invoice.BillTo.Email, $"{InvoiceDocument.Title(invoice)} from {organisation}", body, $"invoice {invoice.Id} to member {invoice.MemberId}");
    }

    public async Task PaymentFailedAsync(Guid invoiceId, Uri updateCard, DateTimeOffset? nextAttempt, bool suspended, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        var invoice = await InvoiceStore.ReadAsync(conn, null, null, invoiceId, cancellationToken);
        if (invoice is null)
        {
            return;
        }

        var what = $"We could not take {InvoiceDocument.Amount(invoice.AmountDueMinor, invoice.Currency)} for invoice {invoice.Number} from your saved card.";
        var then = suspended
            ? "Your membership is suspended until it is paid; paying reopens your doors at once."
            : nextAttempt is { } next ? $"We will try again on {next.ToString("d MMM yyyy", CultureInfo.InvariantCulture)}." : "Please pay it or contact us.";
        var body = new BodyBuilder
        {
            TextBody = $"Hello {invoice.BillTo.Name},\n\n{what}\nUpdate your card: {updateCard}\n{then}\n",
            HtmlBody = $"<p>Hello {WebUtility.HtmlEncode(invoice.BillTo.Name)},</p><p>{WebUtility.HtmlEncode(what)}</p><p><a href=\"{WebUtility.HtmlEncode(updateCard.ToString())}\">Update your card</a></p><p>{WebUtility.HtmlEncode(then)}</p>",
        };
        Send(invoice.BillTo.Name, invoice.BillTo.Email, $"Payment failed: invoice {invoice.Number}", body, $"payment failure of invoice {invoice.Id}");
    }

    public void RenewalReminder(string name, string email, string tier, DateOnly renewsOn, Money price, Guid memberId)
    {
        var text = $"Hello {name},\n\nYour {tier} membership renews on {renewsOn.ToString("d MMM yyyy", CultureInfo.InvariantCulture)} at {price}.\n";
        Send(name, email, $"Your membership renews on {renewsOn.ToString("d MMM", CultureInfo.InvariantCulture)}", new BodyBuilder { TextBody = text }, $"renewal reminder to member {memberId}");
    }

    private void Send(string name, string email, string subject, BodyBuilder body, string about)
    {
        var message = new MimeMessage { Subject = subject, Body = body.ToMessageBody() };
        message.To.Add(new MailboxAddress(name, email));
        mailer.Enqueue(_ => Task.FromResult(message), about);
    }

    private async Task<Guid> OrganisationOfAsync(Guid memberId, CancellationToken cancellationToken)
    {
        await using var conn = await db.OpenConnectionAsync(cancellationToken);
        return await conn.QuerySingleAsync<Guid>(new CommandDefinition(
            "SELECT organisation_id FROM members WHERE id = @memberId", new { memberId }, cancellationToken: cancellationToken));
    }
}
