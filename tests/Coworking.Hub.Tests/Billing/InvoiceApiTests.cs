using System.Net;
using System.Net.Http.Json;
using System.Text;
using Coworking.Hub.Billing;
using Coworking.Hub.Tests.Support;
using Coworking.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Coworking.Hub.Tests.Billing;

/// <summary>Invoices without Stripe: numbering, immutability, payment by hand, credit notes, views, exports and scope.</summary>
public sealed class InvoiceApiTests(HubFixture hub) : IClassFixture<HubFixture>
{
    [Fact]
    public async Task Operator_marks_an_invoice_paid_by_bank_transfer_and_the_balance_clears()
    {
        var (_, member, invoice) = await InvoicedMemberAsync(hub.Admin);
        var before = await hub.Admin.GetJsonAsync($"/api/v1/members/{member}/billing");
        Assert.Equal(20000, before["balance"]![0]!["amountDueMinor"]!.GetValue<long>());

        var paid = await hub.Admin.PostJsonAsync($"/api/v1/invoices/{invoice}/payments", new { method = "bank_transfer", reference = "BACS 7781" });

        Assert.Equal("paid", paid["status"]!.GetValue<string>());
        Assert.Equal(0, paid["amountDueMinor"]!.GetValue<long>());
        var after = await hub.Admin.GetJsonAsync($"/api/v1/members/{member}/billing");
        Assert.Empty(after["balance"]!.AsArray());
        Assert.Equal("bank_transfer", after["payments"]![0]!["method"]!.GetValue<string>());
        using var twice = await hub.Admin.PostAsJsonAsync($"/api/v1/invoices/{invoice}/payments", new { method = "cash" });
        await twice.ProblemAsync(409);
        var paidOnly = (await hub.Admin.GetJsonAsync($"/api/v1/invoices?memberId={member}&status=paid")).Items();
        Assert.Equal(invoice, Assert.Single(paidOnly).Id());
        Assert.Empty((await hub.Admin.GetJsonAsync($"/api/v1/invoices?memberId={member}&status=open")).Items());
    }

    [Fact]
    public async Task Issued_invoice_cannot_be_changed_in_the_database_and_a_credit_note_corrects_it()
    {
        var (_, _, invoice) = await InvoicedMemberAsync(hub.Admin);
        await using var conn = new NpgsqlConnection(hub.ConnectionString);
        await conn.OpenAsync();
        foreach (var sql in new[]
        {
            "UPDATE invoices SET gross_minor = 1 WHERE id = @id",
            "UPDATE invoice_lines SET description = 'changed' WHERE invoice_id = @id",
            "DELETE FROM invoice_lines WHERE invoice_id = @id",
        })
        {
            await using var cmd = new NpgsqlCommand(sql, conn);
            cmd.Parameters.AddWithValue("id", invoice);
            var refused = await Assert.ThrowsAsync<PostgresException>(() => cmd.ExecuteNonQueryAsync());
            Assert.Contains("immutable", refused.MessageText, StringComparison.Ordinal);
        }

        var note = await hub.Admin.PostJsonAsync($"/api/v1/invoices/{invoice}/credit-notes", new { lines = new[] { new { description = "Goodwill: broken air conditioning", amountMinor = 5000 } } });

        Assert.Equal("credit_note", note["kind"]!.GetValue<string>());
        Assert.StartsWith("CN-", note["number"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(-5000, note["grossMinor"]!.GetValue<long>());
        Assert.Equal(invoice, note["correctsId"]!.GetValue<Guid>());
        var corrected = await hub.Admin.GetJsonAsync($"/api/v1/invoices/{invoice}");
        Assert.Equal(15000, corrected["amountDueMinor"]!.GetValue<long>());
        Assert.Equal(20000, corrected["grossMinor"]!.GetValue<long>());
        using var tooMuch = await hub.Admin.PostAsJsonAsync($"/api/v1/invoices/{invoice}/credit-notes", new { lines = new[] { new { description = "All of it", amountMinor = 20000 } } });
        Assert.Contains("lines", (await tooMuch.ProblemAsync(422)).ErrorFields());

        var rest = await hub.Admin.PostJsonAsync($"/api/v1/invoices/{invoice}/credit-notes", new { lines = new[] { new { description = "Rest waived", amountMinor = 15000 } } });
        Assert.Equal(-15000, rest["grossMinor"]!.GetValue<long>());
        Assert.Equal("credited", (await hub.Admin.GetJsonAsync($"/api/v1/invoices/{invoice}"))["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Invoice_reads_as_html_pdf_and_csv_lines_for_accounting()
    {
        var (_, _, invoice) = await InvoicedMemberAsync(hub.Admin);
        var number = (await hub.Admin.GetJsonAsync($"/api/v1/invoices/{invoice}"))["number"]!.GetValue<string>();

        var html = await hub.Admin.GetStringAsync($"/api/v1/invoices/{invoice}/html");
        using var pdf = await hub.Admin.GetAsync($"/api/v1/invoices/{invoice}/pdf");
        var lines = await hub.Admin.GetStringAsync("/api/v1/invoices/lines.csv");
        var invoices = await hub.Admin.GetStringAsync("/api/v1/invoices/export.csv");

        Assert.Contains($"Invoice {number}", html, StringComparison.Ordinal);
        Assert.Contains("GBP 200.00", html, StringComparison.Ordinal);
        Assert.Equal("application/pdf", pdf.Content.Headers.ContentType?.MediaType);
        var bytes = await pdf.Content.ReadAsByteArrayAsync();
        using var document = UglyToad.PdfPig.PdfDocument.Open(bytes);
        Assert.Contains($"Invoice {number}", string.Concat(document.GetPage(1).Letters.Select(letter => letter.Value)), StringComparison.Ordinal);
        Assert.StartsWith("number,issued_at,member_id,currency,position,kind,description,", lines, StringComparison.Ordinal);
        Assert.Contains($"{number},", lines, StringComparison.Ordinal);
        Assert.Contains(",20000,", lines, StringComparison.Ordinal);
        Assert.Contains($"{number},invoice,", invoices, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Location_manager_sees_only_invoices_of_members_at_their_locations()
    {
        var (admin, _, invoice) = await InvoicedMemberAsync(null);
        var (_, _, elsewhere) = await InvoicedMemberAsync(admin);
        var managed = (await admin.GetJsonAsync($"/api/v1/invoices/{invoice}"))["locationId"]!.GetValue<Guid>();
        var key = await admin.PostJsonAsync("/api/v1/api-keys", new { name = "manager", role = "location_manager", locationIds = new[] { managed } });
        var manager = hub.Client(key["apiKey"]!.GetValue<string>());

        var listed = (await manager.GetJsonAsync("/api/v1/invoices")).Items();

        Assert.Equal(invoice, Assert.Single(listed).Id());
        using var hidden = await manager.GetAsync($"/api/v1/invoices/{elsewhere}");
        Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
        using var unpaid = await manager.PostAsJsonAsync($"/api/v1/invoices/{elsewhere}/payments", new { method = "cash" });
        Assert.Equal(HttpStatusCode.NotFound, unpaid.StatusCode);
        using var anonymous = await hub.Client(null).GetAsync("/api/v1/invoices");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        using var taxByManager = await manager.PutAsJsonAsync($"/api/v1/locations/{managed}/tax-rate", new { name = "VAT", partsPerMillion = 0, inclusive = true });
        Assert.Equal(HttpStatusCode.Forbidden, taxByManager.StatusCode);
    }

    [Fact]
    public async Task Two_hub_instances_invoicing_at_once_bill_every_member_once_with_numbers_without_gaps()
    {
        var (organisation, admin) = await hub.NewOrganisationAsync("Two Instances");
        var location = await HubFixture.CreateLocationAsync(admin);
        await using (var conn = new NpgsqlConnection(hub.ConnectionString))
        {
            await conn.OpenAsync();
            await using var seed = new NpgsqlCommand(
                """
                WITH m AS (
                    INSERT INTO members (id, organisation_id, name, email, status, home_location_id, created_at, updated_at)
                    SELECT gen_random_uuid(), @organisation, 'Member ' || n, 'm' || n || '@two.example', 'active', @location, now(), now()
                    FROM generate_series(1, 300) n RETURNING id)
                INSERT INTO ledger_entries (id, organisation_id, member_id, location_id, kind, description, quantity, unit_amount_minor, currency, source_key, bill_after, created_at)
                SELECT gen_random_uuid(), @organisation, m.id, @location, 'add_on', 'Locker', k, 1500, 'GBP', 'seed:' || m.id || ':' || k, now() - interval '1 minute', now()
                FROM m, generate_series(1, 2) k
                """,
                conn);
            seed.Parameters.AddWithValue("organisation", organisation);
            seed.Parameters.AddWithValue("location", location);
            await seed.ExecuteNonQueryAsync();
        }

        await using var second = HubApp.Build(["--urls", "http://127.0.0.1:0", .. PostgresServer.HubSettings(hub.ConnectionString), "--Serilog:MinimumLevel:Default=Warning", "--Billing:RunSchedules=false"]);
        var runs = await Task.WhenAll(
            hub.Services.GetRequiredService<InvoiceStore>().IssueDueAsync(default),
            second.Services.GetRequiredService<InvoiceStore>().IssueDueAsync(default));

        var issued = runs.SelectMany(r => r).Where(i => i.BillTo.Email.EndsWith("@two.example", StringComparison.Ordinal)).ToList();
        Assert.Equal(300, issued.Count);
        Assert.Equal(300, issued.Select(i => i.MemberId).Distinct().Count());
        Assert.Equal(Enumerable.Range(1, 300).Select(n => $"INV-{n:D6}"), issued.Select(i => i.Number).Order(StringComparer.Ordinal));
        Assert.All(issued, i => Assert.Equal(3 * 1500, i.GrossMinor));
    }

    /// <summary>A member of a £200.00 tier at a new location (of a new organisation without <paramref name="admin"/>), invoiced for their first period.</summary>
    private async Task<(HttpClient Admin, Guid Member, Guid Invoice)> InvoicedMemberAsync(HttpClient? admin)
    {
        admin ??= (await hub.NewOrganisationAsync("Invoice Tests")).Admin;
        var site = await Workspace.SiteAsync(admin, name: $"Site {Guid.NewGuid():N}"[..12]);
        var member = await Workspace.MemberAsync(admin, site.LocationId, await Workspace.TierAsync(admin, Workspace.Terms()));
        await hub.Services.GetRequiredService<InvoiceStore>().IssueDueAsync(default);
        var invoices = (await admin.GetJsonAsync($"/api/v1/members/{member}/invoices")).Items();
        return (admin, member, Assert.Single(invoices).Id());
    }
}
