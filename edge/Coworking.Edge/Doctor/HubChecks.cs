using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text.Json;
using Coworking.Edge.EdgeSync;
using Coworking.Proto.V1;
using Grpc.Core;
using EdgeSyncGrpc = Coworking.Proto.V1.EdgeSync;

namespace Coworking.Edge.Doctor;

/// <summary>
/// The hub: enrolled, each address resolves, TLS verifies against the pinned authority (hub-ca.pem, never the
/// system's store), the hub accepts the edge's credential, and the clocks agree. With the edge running, its own
/// stream tells whether the credential is accepted and the skew; otherwise doctor opens a stream and closes it
/// before saying hello, which the hub answers only after checking the credential (nothing is recorded).
/// </summary>
internal static class HubChecks
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan SkewTolerance = TimeSpan.FromSeconds(2);

    public static async Task<IReadOnlyList<DoctorFinding>> CheckAsync(string dataDirectory, EdgeSyncOptions options, JsonElement? sync, CancellationToken cancellationToken)
    {
        (HubEnrolment Enrolment, string AuthorityPem)? loaded;
        try
        {
            loaded = HubEnrolment.TryLoad(dataDirectory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or InvalidDataException)
        {
            return [DoctorFinding.Fail("hub", HubEnrolment.FileName, $"the enrolment cannot be read: {e.Message}",
                "run doctor as root (it runs as the edge's user), or remove hub.json and hub-ca.pem and enrol again")];
        }

        if (loaded is not { } enrolled)
        {
            return [DoctorFinding.Warn("hub", "enrolment", "not enrolled with a hub: doors decide from the cache alone and events wait",
                "make an enrolment code in the console (Edges) and run: sudo coworking-edge enroll --hub https://HUB:PORT --code CODE")];
        }

        var findings = new List<DoctorFinding>();
        var urls = options.HubUrls.Count > 0 ? options.HubUrls : enrolled.Enrolment.HubUrls;
        var credentialChecked = false;
        foreach (var url in urls)
        {
            if (!await ResolvesAsync(url, findings, cancellationToken) || !await TlsVerifiesAsync(url, enrolled.AuthorityPem, options, findings, cancellationToken))
            {
                continue;
            }

            if (!credentialChecked)
            {
                credentialChecked = true;
                if (sync is { } running)
                {
                    findings.AddRange(FromRunningEdge(url, running));
                }
                else
                {
                    findings.AddRange(await ProbeCredentialAsync(url, enrolled.Enrolment, enrolled.AuthorityPem, options, cancellationToken));
                }
            }
        }

        return findings;
    }

    private static async Task<bool> ResolvesAsync(string url, List<DoctorFinding> findings, CancellationToken cancellationToken)
    {
        var host = new Uri(url).Host;
        if (IPAddress.TryParse(host, out _))
        {
            return true;
        }

        try
        {
            var addresses = await Dns.GetHostAddressesAsync(host, cancellationToken);
            findings.Add(DoctorFinding.Ok("hub", url, $"{host} resolves to {string.Join(", ", addresses.Select(a => a.ToString()))}"));
            return true;
        }
        catch (SocketException e)
        {
            findings.Add(DoctorFinding.Fail("hub", url, $"{host} does not resolve: {e.Message}",
                "check the name and the box's DNS (resolvectl status, /etc/resolv.conf); the hub's address is in hub.json or Edge:Sync:HubUrls"));
            return false;
        }
    }

    private static async Task<bool> TlsVerifiesAsync(string url, string authorityPem, EdgeSyncOptions options, List<DoctorFinding> findings, CancellationToken cancellationToken)
    {
        using var channel = HubChannel.Create(url, authorityPem, options);
        try
        {
            await new EdgeSyncGrpc.EdgeSyncClient(channel).GetHubAuthorityAsync(new HubAuthorityRequest(), deadline: TimeProvider.System.GetUtcNow().UtcDateTime + CallTimeout, cancellationToken: cancellationToken);
            findings.Add(DoctorFinding.Ok("hub", url, "reachable; TLS verifies against the pinned authority (hub-ca.pem)"));
            return true;
        }
        catch (RpcException e)
        {
            findings.Add(Unreachable(url, e));
            return false;
        }
    }

    private static DoctorFinding Unreachable(string url, RpcException e)
    {
        var causes = Causes(e.Status.DebugException).ToList();
        if (causes.OfType<AuthenticationException>().FirstOrDefault() is { } tls)
        {
            return DoctorFinding.Fail("hub", url, $"TLS does not verify against the pinned authority: {tls.Message}",
                "this is not the hub the edge enrolled with, or the hub's authority changed: check the address; if the hub was re-keyed, remove hub.json and hub-ca.pem and enrol again");
        }

        var socket = causes.OfType<SocketException>().FirstOrDefault();
        var why = socket?.Message ?? e.Status.Detail;
        return DoctorFinding.Fail("hub", url, $"cannot reach the hub: {why}", socket?.SocketErrorCode == SocketError.ConnectionRefused
            ? "nothing listens there: check that the hub is running and its EdgeSync port; the doors keep deciding from the cache meanwhile"
            : "check the network path to the hub (routing, firewall, proxy) and that the hub is running; the doors keep deciding from the cache meanwhile");
    }

    private static IEnumerable<DoctorFinding> FromRunningEdge(string url, JsonElement sync)
    {
        var lastError = sync.TryGetProperty("lastError", out var error) && error.ValueKind == JsonValueKind.String ? error.GetString() : null;
        if (sync.GetProperty("connected").GetBoolean())
        {
            yield return DoctorFinding.Ok("hub", url, "the hub accepts this edge's credential (the edge is connected)");
            if (sync.TryGetProperty("clockSkewMs", out var skew) && skew.ValueKind == JsonValueKind.Number)
            {
                yield return Skew(TimeSpan.FromMilliseconds(skew.GetInt64()), "as the hub measured it at the last heartbeat");
            }
        }
        else if (lastError?.StartsWith("refused", StringComparison.Ordinal) == true)
        {
            yield return Refused(url, lastError);
        }
        else
        {
            yield return DoctorFinding.Warn("hub", url, $"the edge is not connected to the hub yet{(lastError is null ? "" : $": {lastError}")}",
                "it retries by itself; if this stays, check the lines above and the edge's log: journalctl -u coworking-edge");
        }
    }

    private static async Task<IReadOnlyList<DoctorFinding>> ProbeCredentialAsync(
        string url, HubEnrolment enrolment, string authorityPem, EdgeSyncOptions options, CancellationToken cancellationToken)
    {
        using var channel = HubChannel.Create(url, authorityPem, options);
        var headers = new Metadata { { "authorization", $"Bearer {enrolment.Credential}" } };
        var sent = TimeProvider.System.GetUtcNow();
        using var call = new EdgeSyncGrpc.EdgeSyncClient(channel).Sync(headers, deadline: TimeProvider.System.GetUtcNow().UtcDateTime + CallTimeout, cancellationToken: cancellationToken);
        await call.RequestStream.CompleteAsync();
        try
        {
            await call.ResponseStream.MoveNext(cancellationToken);
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.Unauthenticated or StatusCode.PermissionDenied)
        {
            return [Refused(url, $"refused: {e.Status.Detail}")];
        }
        catch (RpcException e) when (e.StatusCode is not (StatusCode.InvalidArgument or StatusCode.DeadlineExceeded))
        {
            return [Unreachable(url, e)];
        }
        catch (RpcException)
        {
            // The hub checked the credential and then missed the hello doctor never sent: accepted.
        }

        var received = TimeProvider.System.GetUtcNow();
        List<DoctorFinding> findings = [DoctorFinding.Ok("hub", url, $"the hub accepts this edge's credential (edge {enrolment.EdgeId})")];
        var date = await HubDateAsync(call);
        if (DateTimeOffset.TryParseExact(date, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var hubTime))
        {
            // The Date header has whole seconds: the hub's clock read between sent and received, truncated.
            var middle = sent + ((received - sent) / 2);
            findings.Add(Skew(middle - (hubTime + TimeSpan.FromMilliseconds(500)), "from the hub's Date header, to about a second"));
        }

        return findings;
    }

    /// <summary>The HTTP Date the hub's server put on its answer, if the call kept it.</summary>
    private static async Task<string?> HubDateAsync(AsyncDuplexStreamingCall<EdgeMessage, HubMessage> call)
    {
        try
        {
            return call.GetTrailers().GetValue("date") ?? (await call.ResponseHeadersAsync).GetValue("date");
        }
        catch (Exception e) when (e is InvalidOperationException or RpcException)
        {
            return null;
        }
    }

    private static DoctorFinding Skew(TimeSpan skew, string how)
    {
        var text = $"the edge's clock is {Math.Abs(skew.TotalSeconds):0.#} s {(skew >= TimeSpan.Zero ? "ahead of" : "behind")} the hub's ({how})";
        return skew.Duration() <= SkewTolerance + TimeSpan.FromSeconds(1)
            ? DoctorFinding.Ok("clock", "hub", text)
            : DoctorFinding.Fail("clock", "hub", text, "grants open and close by the edge's clock: turn NTP on here (timedatectl set-ntp true) and check the hub's clock too");
    }

    private static DoctorFinding Refused(string url, string why) => DoctorFinding.Fail("hub", url, $"the hub refuses this edge's credential ({why})",
        "the edge was revoked or its credential is wrong: make a new enrolment code in the console, remove hub.json and hub-ca.pem from the data directory, and run coworking-edge enroll");

    private static IEnumerable<Exception> Causes(Exception? e)
    {
        for (var cause = e; cause is not null; cause = cause.InnerException)
        {
            yield return cause;
        }
    }
}
