using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;

namespace Coworking.Hub.Http;

/// <summary>
/// Turns what the framework rejects before a handler runs (malformed JSON, a value of the wrong type, a duplicate key, a
/// value <see cref="InputGuard"/> refuses, a query value that does not bind) into a problem naming the JSON field.
/// </summary>
internal sealed partial class BadRequestExceptionHandler(IProblemDetailsService problems, ILogger<BadRequestExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad)
        {
            return false;
        }

        var (field, message) = exception.InnerException switch
        {
            InputGuard.RefusedInputException refused => (FieldOf(refused.Path), refused.Message),
            JsonException json when json.Message.Contains("Duplicate", StringComparison.OrdinalIgnoreCase) => (FieldOf(json.Path), "is given twice; each key may appear once"),
            JsonException json => (FieldOf(json.Path), "is not valid JSON for this field"),
            _ => ("request", "could not be read"),
        };
        LogRejected(logger, bad.StatusCode, field);

        httpContext.Response.StatusCode = bad.StatusCode;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = [message] })
            {
                Status = bad.StatusCode,
                Title = "The request could not be read.",
                Detail = exception.InnerException is JsonException ? null : bad.Message,
            },
        });
    }

    /// <summary>
    /// A body the framework refuses without an exception (too large, not JSON) is answered by the status-code
    /// pages; this names the field there too.
    /// </summary>
    public static void NameRejectedBody(ProblemDetailsContext context)
    {
        var message = context.ProblemDetails.Status switch
        {
            StatusCodes.Status413PayloadTooLarge => "is larger than the 1 MiB limit",
            StatusCodes.Status415UnsupportedMediaType => "must be application/json",
            _ => null,
        };
        if (message is not null && context.ProblemDetails is not HttpValidationProblemDetails)
        {
            context.ProblemDetails.Extensions["errors"] = new Dictionary<string, string[]> { ["body"] = [message] };
        }
    }

    // "$.staffedHours.monday[0].open" → "staffedHours.monday[0].open"; the body itself is "body".
    private static string FieldOf(string? path) =>
        string.IsNullOrEmpty(path) || path == "$" ? "body" : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path;

    [LoggerMessage(Level = LogLevel.Information, Message = "Rejected request ({StatusCode}) at {Field}")]
    private static partial void LogRejected(ILogger logger, int statusCode, string field);
}
