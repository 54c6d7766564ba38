using Coworking.Hub.Auth;
using Coworking.Hub.Billing;
using Coworking.Hub.Organisations;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Coworking.Hub.Web.Portal.Payments;

/// <summary>The billing page's PDF links: one of the signed-in member's own invoices, written as the console's are.</summary>
internal static class PortalInvoicePdf
{
    public static void MapPortalInvoicePdf(this IEndpointRouteBuilder web) =>
        web.MapGet("/portal/invoices/{id:guid}/pdf", DownloadAsync).RequireAuthorization(WebSetup.PortalPolicy).ExcludeFromDescription();

    private static async Task<Results<FileContentHttpResult, NotFound>> DownloadAsync(
        Guid id, HttpContext http, InvoiceStore invoices, OrganisationStore organisations, CancellationToken cancellationToken)
    {
        var caller = http.Features.Get<Caller>()!.ForOwnData();
        if (await invoices.GetAsync(caller, id, cancellationToken) is not { } invoice || invoice.MemberId != caller.MemberId)
        {
            return TypedResults.NotFound();
        }

        var organisation = await organisations.NameAsync(caller.OrganisationId, cancellationToken) ?? string.Empty;
        return TypedResults.File(InvoiceDocument.Pdf(invoice, organisation), "application/pdf", invoice.Number + ".pdf");
    }
}
