using Microsoft.AspNetCore.Mvc;

namespace Coworking.Hub.Web.Shared;

/// <summary>
/// What a form shows after a refused post: the problem's title and detail above the form, and each field's messages
/// next to that field. Built from the same RFC 9457 problem details the REST API answers, so a page and the API
/// word a refusal alike; field names are the API's JSON names (<c>email</c>, <c>homeLocationId</c>).
/// </summary>
public sealed class FieldErrors
{
    private readonly Dictionary<string, string[]> byField;

    private FieldErrors(string? title, string? detail, IDictionary<string, string[]> errors)
    {
        Title = title;
        Detail = detail;
        byField = new Dictionary<string, string[]>(errors, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>No refusal: the form as first shown.</summary>
    public static FieldErrors None { get; } = new(null, null, new Dictionary<string, string[]>());

    public string? Title { get; }

    public string? Detail { get; }

    public bool Any => Title is not null || Detail is not null || byField.Count > 0;

    /// <summary>Messages about fields this form has no input for (shown with the title so none is lost).</summary>
    public IEnumerable<string> Unplaced(IReadOnlyCollection<string> fieldsOnForm) =>
        byField.Where(e => !fieldsOnForm.Contains(e.Key, StringComparer.OrdinalIgnoreCase))
            .SelectMany(e => e.Value.Select(message => $"{e.Key} {message}"));

    public IReadOnlyList<string> For(string field) => byField.TryGetValue(field, out var messages) ? messages : [];

    public static FieldErrors From(ProblemDetails problem) =>
        new(problem.Title, problem.Detail, problem is HttpValidationProblemDetails validation ? validation.Errors : new Dictionary<string, string[]>());

    /// <summary>One field's refusal, e.g. ("email", "is required").</summary>
    public static FieldErrors Field(string field, string message, string? title = null) =>
        new(title, null, new Dictionary<string, string[]> { [field] = [message] });

    /// <summary>A refusal of the whole form that names no field (a wrong password must not say which part was wrong).</summary>
    public static FieldErrors Form(string title, string? detail = null) => new(title, detail, new Dictionary<string, string[]>());
}
