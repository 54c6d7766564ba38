namespace Coworking.Edge.Sensors;

/// <summary>Where sensor messages come from (Edge:Sensors, docs/SENSORS.md).</summary>
public sealed class SensorOptions
{
    /// <summary>"embedded" (the edge's own MQTT broker, the default), "external" (a client of the building's broker) or "none".</summary>
    public string Mode { get; set; } = "embedded";

    /// <summary>The embedded broker's TCP port.</summary>
    public int Port { get; set; } = 1883;

    /// <summary>The sensor gateways allowed to connect to the embedded broker, each with its own username and password.</summary>
    public List<SensorGatewayOptions> Gateways { get; set; } = [];

    /// <summary>TLS on the embedded broker with the edge's own certificate (off by default).</summary>
    public EmbeddedTlsOptions Tls { get; set; } = new();

    public ExternalBrokerOptions External { get; set; } = new();

    /// <summary>Messages that could not be used (unknown topic, bad payload) kept for /status.</summary>
    public int ProblemsKept { get; set; } = 50;
}

public sealed class SensorGatewayOptions
{
    public string Username { get; set; } = "";

    public string Password { get; set; } = "";
}

/// <summary>
/// The embedded broker's TLS listener (Edge:Sensors:Tls): with <see cref="Enabled"/> it serves MQTT over TLS on
/// <see cref="Port"/> with the edge's certificate and key (PEM files), and the plain listener on
/// <see cref="SensorOptions.Port"/> is closed unless <see cref="KeepPlain"/> says otherwise.
/// </summary>
public sealed class EmbeddedTlsOptions
{
    public bool Enabled { get; set; }

    public int Port { get; set; } = 8883;

    /// <summary>PEM file of the edge's certificate (the first certificate in it is served).</summary>
    public string CertificatePath { get; set; } = "";

    /// <summary>PEM file of the certificate's private key; empty means it is in <see cref="CertificatePath"/>.</summary>
    public string KeyPath { get; set; } = "";

    /// <summary>Keep the plain TCP listener open beside TLS (gateways that cannot do TLS); passwords then cross it in clear.</summary>
    public bool KeepPlain { get; set; }
}

/// <summary>The building's own broker (e.g. mosquitto), for <see cref="SensorOptions.Mode"/> "external".</summary>
public sealed class ExternalBrokerOptions
{
    public string Host { get; set; } = "127.0.0.1";

    public int Port { get; set; } = 1883;

    public string? Username { get; set; }

    public string? Password { get; set; }

    /// <summary>Connect over TLS (mosquitto's 8883 listener); the broker's certificate must chain to <see cref="CaCertificatePath"/>.</summary>
    public bool Tls { get; set; }

    /// <summary>
    /// PEM file of the CA that signed the broker's certificate (a building's own CA); empty means the machine's trusted
    /// roots. The broker's certificate must also name <see cref="Host"/>.
    /// </summary>
    public string CaCertificatePath { get; set; } = "";

    /// <summary>The edge's client id at the broker; empty means "coworking-edge-" and the machine name.</summary>
    public string ClientId { get; set; } = "";

    /// <summary>What the edge subscribes to.</summary>
    public List<string> Topics { get; set; } = ["zigbee2mqtt/#", "coworking/v1/sensors/#", "people-counter/#", "homeassistant/#"];

    /// <summary>The first reconnect waits up to this long; each failure doubles the ceiling up to <see cref="ReconnectMaxDelayMs"/>.</summary>
    public int ReconnectInitialDelayMs { get; set; } = 500;

    public int ReconnectMaxDelayMs { get; set; } = 30_000;
}
