using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Grpc.Net.Client;

namespace Coworking.Edge.EdgeSync;

/// <summary>gRPC channels to the hub: HTTP/2 over TLS, trusting the hub's own authority and nothing else.</summary>
internal static class HubChannel
{
    /// <summary>
    /// A channel that trusts only <paramref name="authorityPem"/> (not the system store), and pings the hub
    /// when the connection is quiet, so a dead link or frozen hub fails the stream within seconds.
    /// </summary>
    public static GrpcChannel Create(string url, string authorityPem, EdgeSyncOptions options)
    {
        var authority = X509Certificate2.CreateFromPem(authorityPem);
        var handler = Handler(options);
        handler.SslOptions = new SslClientAuthenticationOptions
        {
            CertificateChainPolicy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                CustomTrustStore = { authority },
                RevocationMode = X509RevocationMode.NoCheck,
            },
        };
        return GrpcChannel.ForAddress(url, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
    }

    /// <summary>
    /// A channel that accepts any certificate: only for asking the hub for its authority before enrolment,
    /// which carries no secret and whose answer is checked against the pin in the enrolment code.
    /// </summary>
    public static GrpcChannel CreateUnverified(string url, EdgeSyncOptions options)
    {
        var handler = Handler(options);
        handler.SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, _, _, _) => true };
        return GrpcChannel.ForAddress(url, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
    }

    private static SocketsHttpHandler Handler(EdgeSyncOptions options) => new()
    {
        ConnectTimeout = TimeSpan.FromSeconds(5),
        KeepAlivePingDelay = TimeSpan.FromMilliseconds(options.KeepAlivePingDelayMs),
        KeepAlivePingTimeout = TimeSpan.FromMilliseconds(options.KeepAlivePingTimeoutMs),
        KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
        PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
        EnableMultipleHttp2Connections = true,
    };
}
