using Coworking.Hub.Access;
using Coworking.Proto.V1;
using Grpc.Core;
using Microsoft.Extensions.Options;
using EdgeSyncGrpc = Coworking.Proto.V1.EdgeSync;

namespace Coworking.Hub.EdgeSync;

/// <summary>What every edge stream on this instance uses.</summary>
internal sealed record EdgeSyncDependencies(
    EdgeSyncOptions Options, ChangeNotifier Notifier, ChangeLogStore ChangeLog, EdgeStore Edges, EventIntake Intake, DoorCommands DoorCommands, TimeProvider Time,
    Bridges.VendorBridgeStore VendorBridges);

/// <summary>
/// The gRPC adapter of proto/coworking/v1/sync.proto: checks who is calling and over what, then hands the
/// stream to an <see cref="EdgeSession"/>. Refuses anything not over TLS, since the credential and the
/// location's PIN key travel on it.
/// </summary>
internal sealed class EdgeSyncService(
    IOptions<EdgeSyncOptions> options,
    ChangeNotifier notifier,
    ChangeLogStore changeLog,
    EdgeStore edges,
    EventIntake intake,
    DoorCommands doorCommands,
    Bridges.VendorBridgeStore vendorBridges,
    HubCertificateAuthority authority,
    TimeProvider time,
    ILogger<EdgeSyncService> log)
    : EdgeSyncGrpc.EdgeSyncBase
{
    private const int MaxNameLength = 200;
    private static readonly TimeSpan RefusalHelloWait = TimeSpan.FromSeconds(2);

    public override async Task Sync(IAsyncStreamReader<EdgeMessage> requestStream, IServerStreamWriter<HubMessage> responseStream, ServerCallContext context)
    {
        RequireTls(context);
        using var system = Database.TenantScope.System("edge sync: the edge is found by its credential, and its stream serves one location's change log");
        var header = context.RequestHeaders.GetValue("authorization");
        const string bearer = "Bearer ";
        if (header is null || !header.StartsWith(bearer, StringComparison.OrdinalIgnoreCase)
            || !EdgeCredential.TryParse(header[bearer.Length..].Trim(), out var credential))
        {
            await ReadHelloBeforeRefusingAsync(requestStream, context.CancellationToken);
            throw new RpcException(new Status(StatusCode.Unauthenticated, "an edge credential is required"));
        }

        var edge = await edges.AuthenticateAsync(credential, context.CancellationToken);
        if (edge is null)
        {
            log.LogWarning("Refused a sync stream with an unknown, wrong or revoked credential for edge {EdgeId}", credential.EdgeId);
            await ReadHelloBeforeRefusingAsync(requestStream, context.CancellationToken);
            throw new RpcException(new Status(StatusCode.Unauthenticated, "unknown, wrong or revoked edge credential"));
        }

        var deps = new EdgeSyncDependencies(options.Value, notifier, changeLog, edges, intake, doorCommands, time, vendorBridges);
        await new EdgeSession(edge, requestStream, responseStream, deps, log).RunAsync(context.CancellationToken);
    }

    /// <summary>
    /// Lets the edge finish writing its hello before the refusal: a refusal answered while the hello is still being
    /// written resets the stream under that write, and the edge then reports "Cancelled" instead of the hub's reason
    /// (seen once in a full test run: a revoked edge coming back). Bounded, and whatever the read ends with, the refusal
    /// follows.
    /// </summary>
    private async Task ReadHelloBeforeRefusingAsync(IAsyncStreamReader<EdgeMessage> requestStream, CancellationToken cancellationToken)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(RefusalHelloWait);
        try
        {
            await requestStream.MoveNext(wait.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or RpcException or IOException or InvalidOperationException)
        {
            log.LogDebug("A refused edge's hello did not arrive whole ({Reason}); refusing anyway", ex.GetType().Name);
        }
    }

    public override async Task<EnrollResponse> Enroll(EnrollRequest request, ServerCallContext context)
    {
        RequireTls(context);
        using var system = Database.TenantScope.System("edge enrolment: the code is found by its hash, before any organisation is known");
        if (authority.CertificatePem is null)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, "the hub has no edge certificate authority configured"));
        }

        if (request.Name.Length > MaxNameLength)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"name must be at most {MaxNameLength} characters"));
        }

        var enrolled = EnrolmentCode.TryHashSecret(request.Code, out var hash)
            ? await edges.EnrollAsync(hash, request.Name, context.CancellationToken)
            : null;
        if (enrolled is null)
        {
            log.LogWarning("Refused an enrolment with an unknown, used, expired or revoked code");
            throw new RpcException(new Status(StatusCode.PermissionDenied, "unknown, used, expired or revoked enrolment code"));
        }

        log.LogInformation("Edge {EdgeId} enrolled for location {LocationId} (version {Version})",
            enrolled.Edge.EdgeId, enrolled.Edge.LocationId, request.SoftwareVersion);
        return new EnrollResponse
        {
            EdgeId = enrolled.Edge.EdgeId.ToString(),
            LocationId = enrolled.Edge.LocationId.ToString(),
            EdgeCredential = enrolled.Credential,
            HubAuthorityPem = authority.CertificatePem,
        };
    }

    public override Task<Proto.V1.HubAuthority> GetHubAuthority(HubAuthorityRequest request, ServerCallContext context)
    {
        RequireTls(context);
        return authority.CertificatePem is { } pem
            ? Task.FromResult(new Proto.V1.HubAuthority { CertificatePem = pem })
            : throw new RpcException(new Status(StatusCode.FailedPrecondition, "the hub has no edge certificate authority configured"));
    }

    private static void RequireTls(ServerCallContext context)
    {
        if (!context.GetHttpContext().Request.IsHttps)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, "EdgeSync is served over TLS only"));
        }
    }
}
