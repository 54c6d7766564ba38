using Microsoft.AspNetCore.Http.HttpResults;

namespace Coworking.Hub.Http;

/// <summary>RFC 9457 answers that name the JSON field at fault in <c>errors</c>.</summary>
internal static class Problems
{
    /// <summary>A field refers to something that does not exist (or that the caller may not see).</summary>
    public static ProblemHttpResult UnknownReference(string field, string message) =>
        WithErrors(StatusCodes.Status422UnprocessableEntity, "A referenced resource does not exist.", field, message);

    /// <summary>The request is well formed but cannot be done as asked, e.g. a booking outside bookable hours.</summary>
    public static ProblemHttpResult Unprocessable(string field, string message) =>
        WithErrors(StatusCodes.Status422UnprocessableEntity, "The request cannot be carried out as asked.", field, message);

    /// <summary>The request clashes with what is stored, e.g. a card already issued.</summary>
    public static ProblemHttpResult Conflict(string field, string message) =>
        WithErrors(StatusCodes.Status409Conflict, "The request conflicts with the current state.", field, message);

    /// <summary>The caller is known but its role may not do this.</summary>
    public static ProblemHttpResult Forbidden(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: detail);

    /// <summary>The caller's location scope does not include a location named in the body.</summary>
    public static ProblemHttpResult OutsideScope(string field) =>
        WithErrors(StatusCodes.Status403Forbidden, "Forbidden", field, "is outside the locations this key manages");

    private static ProblemHttpResult WithErrors(int status, string title, string field, string message) =>
        TypedResults.Problem(new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = [message] })
        {
            Status = status,
            Title = title,
        });
}

/// <summary>Collects validation failures keyed by JSON field name, answered as one 400 problem.</summary>
internal sealed class ValidationErrors
{
    private readonly Dictionary<string, string[]> errors = new(StringComparer.Ordinal);

    public bool Any => errors.Count > 0;

    public void Add(string field, string message) =>
        errors[field] = errors.TryGetValue(field, out var existing) ? [.. existing, message] : [message];

    /// <summary>Adds "is required" when <paramref name="value"/> is blank; true when it was present.</summary>
    public bool Required(string field, string? value, int maxLength = 200)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            Add(field, "is required");
            return false;
        }

        if (value.Length > maxLength)
        {
            Add(field, $"must be at most {maxLength} characters");
            return false;
        }

        return true;
    }

    public ValidationProblem ToProblem() => TypedResults.ValidationProblem(errors, title: "The request is not valid.");
}
