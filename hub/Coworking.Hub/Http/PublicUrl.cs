namespace Coworking.Hub.Http;

/// <summary>Where the hub is reached from outside: Hub:PublicUrl, or the address the request came to when it is not set.</summary>
internal static class PublicUrl
{
    public static string Of(IConfiguration configuration, HttpRequest request) =>
        configuration["Hub:PublicUrl"]?.TrimEnd('/') ?? $"{request.Scheme}://{request.Host}{request.PathBase}";
}
