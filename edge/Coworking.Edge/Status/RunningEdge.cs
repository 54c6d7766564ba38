using System.Net.Http.Json;
using System.Text.Json;

namespace Coworking.Edge.Status;

/// <summary>
/// The edge service as a command-line verb finds it: its status endpoint, when something answers there. A
/// running edge holds the serial ports, so verbs ask it rather than open them a second time.
/// </summary>
public sealed class RunningEdge(HttpClient http) : IDisposable
{
    // A stopped edge refuses at once; a running one on a slow or busy box may take seconds to answer.
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(15);

    public HttpClient Http => http;

    /// <summary>The edge answering at <paramref name="statusUrl"/>, or null when none does.</summary>
    public static async Task<RunningEdge?> FindAsync(string statusUrl, CancellationToken cancellationToken)
    {
        var http = new HttpClient { BaseAddress = new Uri(statusUrl), Timeout = Timeout.InfiniteTimeSpan };
        try
        {
            using var probe = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            probe.CancelAfter(ProbeTimeout);
            using var response = await http.GetAsync(new Uri("/healthz", UriKind.Relative), probe.Token);
            return new RunningEdge(http);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            http.Dispose();
            return null;
        }
    }

    public async Task<JsonElement> GetAsync(string path, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        return await http.GetFromJsonAsync<JsonElement>(new Uri(path, UriKind.Relative), timeout.Token);
    }

    public void Dispose() => http.Dispose();
}
