namespace Coworking.Hub.Web.Shared;

/// <summary>One step of a breadcrumb trail; <see cref="Href"/> is null for the page the reader is on.</summary>
public sealed record Crumb(string Label, string? Href = null);
