using Coworking.Hub.Auth;
using Coworking.Hub.Billing;
using Coworking.Hub.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Coworking.Hub.Reports;

/// <summary>
/// The reports (docs/REPORTS.md), for organisation admins and location managers (the money policy): each as JSON or,
/// with <c>?format=csv</c>, as CSV. A manager's rows come only from the locations it manages, in SQL and under
/// row-level security.
/// </summary>
public static class ReportsApi
{
    public static IEndpointRouteBuilder MapReportsApi(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/reports").WithTags("Reports");
        api.MapGet("/revenue", GetRevenue);
        api.MapGet("/aged-debt", GetAgedDebt);
        api.MapGet("/mrr", GetMrr);
        api.MapGet("/members", GetMembers);
        api.MapGet("/channels", GetChannels);
        api.MapGet("/forecast", GetForecast);
        return routes;
    }

    internal static async Task<Results<Ok<RevenueReportResponse>, FileContentHttpResult, ValidationProblem, ProblemHttpResult>> GetRevenue(
        Caller caller, RevenueReport report, TimeProvider time, string? from, string? to, Guid? locationId, Guid? tierId, string? format,
        CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var csv = IsCsv(format, errors);
        var period = ReportPeriod.Parse(from, to, time.GetUtcNow(), errors);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        if (locationId is { } location && !caller.Covers(location))
        {
            return Problems.OutsideScope("locationId");
        }

        var result = await report.RunAsync(new ReportFilter(caller, locationId, period!, tierId), cancellationToken);
        if (!csv)
        {
            return TypedResults.Ok(result);
        }

        return InvoicesApi.Csv(
            $"revenue-{result.From}-{result.To}.csv",
            ["location_id", "location", "month", "currency", "category", "invoiced_net_minor", "credited_net_minor", "net_revenue_minor", "invoiced_gross_minor",
                "credited_gross_minor", "collected_minor"],
            result.Rows.Select(r => new object?[]
            {
                r.LocationId, r.Location, r.Month, r.Currency, r.Category, r.InvoicedNetMinor, r.CreditedNetMinor, r.NetRevenueMinor, r.InvoicedGrossMinor,
                r.CreditedGrossMinor, r.CollectedMinor,
            }));
    }

    internal static async Task<Results<Ok<AgedDebtResponse>, FileContentHttpResult, ValidationProblem, ProblemHttpResult>> GetAgedDebt(
        Caller caller, AgedDebtReport report, TimeProvider time, DateTimeOffset? at, Guid? locationId, Guid? tierId, string? format,
        CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var csv = IsCsv(format, errors);
        if (tierId is not null)
        {
            errors.Add("tierId", "does not apply to aged debt: an invoice is owed by a member, whatever their tier");
        }

        if (errors.Any)
        {
            return errors.ToProblem();
        }

        if (locationId is { } location && !caller.Covers(location))
        {
            return Problems.OutsideScope("locationId");
        }

        var result = await report.RunAsync(caller, locationId, (at ?? time.GetUtcNow()).ToUniversalTime(), cancellationToken);
        if (!csv)
        {
            return TypedResults.Ok(result);
        }

        return InvoicesApi.Csv(
            "aged-debt.csv",
            ["location_id", "location", "currency", "not_due_minor", "days_0_30_minor", "days_31_60_minor", "days_61_90_minor", "over_90_minor", "total_minor", "invoices"],
            result.Rows.Select(r => new object?[]
            {
                r.LocationId, r.Location, r.Currency, r.NotDueMinor, r.Days0To30Minor, r.Days31To60Minor, r.Days61To90Minor, r.Over90Minor, r.TotalMinor, r.Invoices,
            }));
    }

    internal static async Task<Results<Ok<MrrReportResponse>, FileContentHttpResult, ValidationProblem, ProblemHttpResult>> GetMrr(
        Caller caller, MrrReport report, TimeProvider time, string? from, string? to, Guid? locationId, Guid? tierId, string? format,
        CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var csv = IsCsv(format, errors);
        var period = ReportPeriod.Parse(from, to, time.GetUtcNow(), errors);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        if (locationId is { } location && !caller.Covers(location))
        {
            return Problems.OutsideScope("locationId");
        }

        var result = await report.RunAsync(new ReportFilter(caller, locationId, period!, tierId), cancellationToken);
        if (!csv)
        {
            return TypedResults.Ok(result);
        }

        return InvoicesApi.Csv(
            $"mrr-{result.From}-{result.To}.csv",
            ["location_id", "location", "month", "currency", "opening_mrr_minor", "new_minor", "expansion_minor", "contraction_minor", "churned_minor",
                "reactivated_minor", "closing_mrr_minor", "arr_minor", "paying_members"],
            result.Rows.Select(r => new object?[]
            {
                r.LocationId, r.Location, r.Month, r.Currency, r.OpeningMrrMinor, r.NewMinor, r.ExpansionMinor, r.ContractionMinor, r.ChurnedMinor,
                r.ReactivatedMinor, r.ClosingMrrMinor, r.ArrMinor, r.PayingMembers,
            }));
    }

    internal static async Task<Results<Ok<MembersReportResponse>, FileContentHttpResult, ValidationProblem, ProblemHttpResult>> GetMembers(
        Caller caller, MembersReport report, TimeProvider time, string? from, string? to, Guid? locationId, Guid? tierId, string? format,
        CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var csv = IsCsv(format, errors);
        var period = ReportPeriod.Parse(from, to, time.GetUtcNow(), errors);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        if (locationId is { } location && !caller.Covers(location))
        {
            return Problems.OutsideScope("locationId");
        }

        var result = await report.RunAsync(new ReportFilter(caller, locationId, period!, tierId), cancellationToken);
        if (!csv)
        {
            return TypedResults.Ok(result);
        }

        return InvoicesApi.Csv(
            $"members-{result.From}-{result.To}.csv",
            ["location_id", "location", "month", "tier_id", "tier", "active_at_start", "joined", "moved_in", "moved_out", "churned", "active_at_end", "logo_churn_rate",
                "currency", "opening_mrr_minor", "churned_mrr_minor", "revenue_churn_rate"],
            result.Rows.Select(r => new object?[]
            {
                r.LocationId, r.Location, r.Month, r.TierId, r.Tier, r.ActiveAtStart, r.Joined, r.MovedIn, r.MovedOut, r.Churned, r.ActiveAtEnd, r.LogoChurnRate,
                r.Currency, r.OpeningMrrMinor, r.ChurnedMrrMinor, r.RevenueChurnRate,
            }));
    }

    internal static async Task<Results<Ok<ChannelsReportResponse>, FileContentHttpResult, ValidationProblem, ProblemHttpResult>> GetChannels(
        Caller caller, ChannelsReport report, TimeProvider time, string? from, string? to, DateTimeOffset? at, Guid? locationId, Guid? tierId, string? format,
        CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var csv = IsCsv(format, errors);
        var period = ReportPeriod.Parse(from, to, time.GetUtcNow(), errors);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        if (locationId is { } location && !caller.Covers(location))
        {
            return Problems.OutsideScope("locationId");
        }

        var result = await report.RunAsync(new ReportFilter(caller, locationId, period!, tierId), (at ?? time.GetUtcNow()).ToUniversalTime(), cancellationToken);
        if (!csv)
        {
            return TypedResults.Ok(result);
        }

        return InvoicesApi.Csv(
            $"channels-{result.From}-{result.To}.csv",
            ["location_id", "location", "channel", "joined", "due_30", "retained_30", "retention_30", "due_90", "retained_90", "retention_90", "due_180", "retained_180",
                "retention_180"],
            result.Rows.Select(r => new object?[]
            {
                r.LocationId, r.Location, r.Channel, r.Joined, r.Due30, r.Retained30, r.Retention30, r.Due90, r.Retained90, r.Retention90, r.Due180, r.Retained180,
                r.Retention180,
            }));
    }

    internal static async Task<Results<Ok<ForecastReportResponse>, FileContentHttpResult, ValidationProblem, ProblemHttpResult>> GetForecast(
        Caller caller, ForecastReport report, TimeProvider time, DateTimeOffset? at, Guid? locationId, Guid? tierId, string? format,
        CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var csv = IsCsv(format, errors);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        if (locationId is { } location && !caller.Covers(location))
        {
            return Problems.OutsideScope("locationId");
        }

        var result = await report.RunAsync(caller, locationId, tierId, (at ?? time.GetUtcNow()).ToUniversalTime(), cancellationToken);
        if (!csv)
        {
            return TypedResults.Ok(result);
        }

        return InvoicesApi.Csv(
            $"forecast-{result.From}-{result.To}.csv",
            ["location_id", "location", "month", "currency", "contracted_members", "contracted_minor", "forecast_minor", "low_minor", "high_minor"],
            result.Rows.Select(r => new object?[]
            {
                r.LocationId, r.Location, r.Month, r.Currency, r.ContractedMembers, r.ContractedMinor, r.ForecastMinor, r.LowMinor, r.HighMinor,
            }));
    }

    /// <summary>True for <c>csv</c>, false for none or <c>json</c>; anything else is a field error.</summary>
    private static bool IsCsv(string? format, ValidationErrors errors)
    {
        switch (format)
        {
            case null or "json":
                return false;
            case "csv":
                return true;
            default:
                errors.Add("format", "must be json or csv");
                return false;
        }
    }
}
