using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MQTTnet;

namespace Coworking.Edge.Sensors;

/// <summary>
/// A client of the building's own broker (Edge:Sensors:Mode "external", e.g. mosquitto): subscribes to the
/// configured topics and hands every message to <see cref="SensorIngest"/>. After a refused or lost connection it
/// waits a random time up to a ceiling that starts at ReconnectInitialDelayMs and doubles per failure up to
/// ReconnectMaxDelayMs, and tries again; a connection that lived 30 s resets the ceiling. With External:Tls the
/// connection is TLS and the broker's certificate must name the host and chain to External:CaCertificatePath (or to
/// the machine's roots when none is given); a broker that fails that check is refused and retried like one that is down.
/// </summary>
public sealed class BuildingBrokerClient(SensorOptions options, SensorIngest ingest, TimeProvider time, ILogger<BuildingBrokerClient> log) : BackgroundService
{
    private static readonly TimeSpan StableConnection = TimeSpan.FromSeconds(30);

    // Why the certificate check of the current attempt refused the broker, for /status.
    private volatile string? _certificateProblem;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var external = options.External;
        var factory = new MqttClientFactory();
        using var client = factory.CreateMqttClient();
        var lost = new SemaphoreSlim(0);
        client.ApplicationMessageReceivedAsync += e =>
        {
            ingest.Receive(e.ApplicationMessage.Topic, e.ApplicationMessage.Payload);
            return Task.CompletedTask;
        };
        client.DisconnectedAsync += _ =>
        {
            ingest.Connected = false;
            lost.Release();
            return Task.CompletedTask;
        };
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(external.Host, external.Port)
            .WithClientId(external.ClientId.Length > 0 ? external.ClientId : "coworking-edge-" + Environment.MachineName)
            .WithCleanSession(false)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(15));
        if (external.Username is { Length: > 0 } username)
        {
            builder = builder.WithCredentials(username, external.Password ?? "");
        }

        X509Certificate2Collection? authority = null;
        if (external.Tls && external.CaCertificatePath.Length > 0)
        {
            authority = [];
            authority.ImportFromPemFile(external.CaCertificatePath);
        }

        if (external.Tls)
        {
            builder = builder.WithTlsOptions(tls => tls.UseTls().WithTargetHost(external.Host)
                .WithCertificateValidationHandler(e => Trusted(e.Certificate, e.SslPolicyErrors, authority)));
        }

        var clientOptions = builder.Build();
        var subscribe = factory.CreateSubscribeOptionsBuilder();
        foreach (var topic in external.Topics)
        {
            subscribe = subscribe.WithTopicFilter(topic, MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce);
        }

        var subscription = subscribe.Build();
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            var connectedAt = time.GetTimestamp();
            _certificateProblem = null;
            try
            {
                await client.ConnectAsync(clientOptions, stoppingToken);
                await client.SubscribeAsync(subscription, stoppingToken);
                ingest.BrokerProblem = null;
                ingest.Connected = true;
                log.LogInformation("Connected to the building's broker {Host}:{Port}, subscribed to {Topics}", external.Host, external.Port, external.Topics);
                await lost.WaitAsync(stoppingToken);
                log.LogWarning("Lost the building's broker {Host}:{Port}", external.Host, external.Port);
                ingest.BrokerProblem = "lost the connection";
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or MQTTnet.Adapter.MqttConnectingFailedException or InvalidOperationException)
            {
                ingest.BrokerProblem = _certificateProblem ?? e.Message;
                log.LogWarning("Cannot reach the building's broker {Host}:{Port}: {Problem}", external.Host, external.Port, ingest.BrokerProblem);
            }

            ingest.Connected = false;
            failures = time.GetElapsedTime(connectedAt) >= StableConnection ? 1 : failures + 1;
            while (lost.CurrentCount > 0)
            {
                await lost.WaitAsync(stoppingToken);
            }

            try
            {
                await Task.Delay(Backoff(failures), time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        ingest.Connected = false;
        if (client.IsConnected)
        {
            await client.DisconnectAsync(new MqttClientDisconnectOptions(), CancellationToken.None);
        }
    }

    /// <summary>
    /// The broker's certificate names the host and chains to the building's CA (only that CA: a certificate from any
    /// other authority is refused), or with no CA given passes the machine's own validation.
    /// </summary>
    private bool Trusted(X509Certificate? presented, SslPolicyErrors errors, X509Certificate2Collection? authority)
    {
        if (presented is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable) || errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            _certificateProblem = $"the broker's certificate does not name {options.External.Host} ({errors})";
            return false;
        }

        if (authority is null)
        {
            _certificateProblem = errors == SslPolicyErrors.None ? null : $"the broker's certificate is not trusted by this machine ({errors})";
            return errors == SslPolicyErrors.None;
        }

        using var loaded = presented is X509Certificate2 ? null : X509CertificateLoader.LoadCertificate(presented.GetRawCertData());
        var certificate = presented as X509Certificate2 ?? loaded!;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain.Build(certificate))
        {
            return true;
        }

        _certificateProblem = $"the broker's certificate is not signed by the CA of {options.External.CaCertificatePath}";
        return false;
    }

    /// <summary>"Full jitter", as the hub link does: edges of one building do not all return in the same instant.</summary>
    private TimeSpan Backoff(int failures)
    {
        var external = options.External;
        var ceiling = Math.Min(external.ReconnectMaxDelayMs, external.ReconnectInitialDelayMs * Math.Pow(2, Math.Min(failures - 1, 20)));
        return TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * ceiling);
    }
}
