using Coworking.Sim.Sensors;
using Coworking.Sim.Stripe;

namespace Coworking.Sim.Configuration;

/// <summary>
/// The sim's configuration, from a JSON file given with --config and/or appsettings:
/// { "buses": [ { "port": "/path/to/pty", "baudRate": 115200, "readers": [ { "address": 1, "doorId": "…",
/// "secureChannel": false, "scbk": null, "keypad": true } ] } ], "badgeTimeoutMs": 2000, "onlineWindowMs": 3000,
/// "keyStorePath": null, "stripe": { … } }. Both parts are optional: a sim may play only readers, only Stripe
/// (see <see cref="StripeOptions"/>), or both.
/// </summary>
internal sealed record SimOptions
{
    public static readonly int[] BaudRates = [9600, 19200, 38400, 57600, 115200, 230400];

    public IReadOnlyList<BusOptions> Buses { get; init; } = [];

    /// <summary>How long POST /doors/{id}/badge waits for the CP's verdict.</summary>
    public int BadgeTimeoutMs { get; init; } = 2000;

    /// <summary>A reader counts as online while its last command is at most this old.</summary>
    public int OnlineWindowMs { get; init; } = 3000;

    /// <summary>Where SCBKs installed by osdp_KEYSET are kept across restarts; null keeps them in memory.</summary>
    public string? KeyStorePath { get; init; }

    /// <summary>The Stripe API simulator; null (no "stripe" section) leaves it off.</summary>
    public StripeOptions? Stripe { get; init; }

    /// <summary>Occupancy sensors played over MQTT; null (no "sensors" section) leaves them off.</summary>
    public SensorSimOptions? Sensors { get; init; }

    /// <summary>The Kisi API simulator; null (no "kisi" section) leaves it off.</summary>
    public Kisi.KisiSimOptions? Kisi { get; init; }

    /// <summary>The Brivo API simulator; null (no "brivo" section) leaves it off.</summary>
    public Brivo.BrivoSimOptions? Brivo { get; init; }

    /// <summary>The Salto KS API simulator; null (no "salto" section) leaves it off.</summary>
    public Salto.SaltoSimOptions? Salto { get; init; }

    /// <summary>Every problem with the configuration, one line each; empty when it is usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (BadgeTimeoutMs is < 100 or > 60_000)
        {
            errors.Add("badgeTimeoutMs must be 100-60000");
        }

        if (OnlineWindowMs is < 100 or > 600_000)
        {
            errors.Add("onlineWindowMs must be 100-600000");
        }

        var doorIds = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var ports = new HashSet<string>(StringComparer.Ordinal);
        for (var b = 0; b < Buses.Count; b++)
        {
            var bus = Buses[b];
            var where = $"buses[{b}]";
            if (string.IsNullOrWhiteSpace(bus.Port))
            {
                errors.Add($"{where}.port is required");
            }
            else if (!ports.Add(bus.Port))
            {
                errors.Add($"{where}.port {bus.Port} is used by another bus");
            }

            if (!BaudRates.Contains(bus.BaudRate))
            {
                errors.Add($"{where}.baudRate must be one of {string.Join(", ", BaudRates)}");
            }

            var addresses = new HashSet<int>();
            for (var r = 0; r < bus.Readers.Count; r++)
            {
                var reader = bus.Readers[r];
                var at = $"{where}.readers[{r}]";
                if (reader.Address is < 0 or > 126)
                {
                    errors.Add($"{at}.address must be 0-126");
                }
                else if (!addresses.Add(reader.Address))
                {
                    errors.Add($"{at}.address {reader.Address} is taken on this bus");
                }

                if (string.IsNullOrWhiteSpace(reader.DoorId))
                {
                    errors.Add($"{at}.doorId is required");
                }
                else if (!doorIds.Add(reader.DoorId))
                {
                    errors.Add($"{at}.doorId {reader.DoorId} is used by another reader");
                }

                if (reader.Scbk is not null && (reader.Scbk.Length != 32 || !reader.Scbk.All(char.IsAsciiHexDigit)))
                {
                    errors.Add($"{at}.scbk must be 32 hex digits (16 bytes)");
                }

                if (reader.Scbk is not null && !reader.SecureChannel)
                {
                    errors.Add($"{at}.scbk needs secureChannel: true");
                }
            }
        }

        if (Stripe is not null)
        {
            errors.AddRange(Stripe.Validate());
        }

        if (Sensors is not null)
        {
            errors.AddRange(Sensors.Validate());
        }

        if (Kisi is not null)
        {
            errors.AddRange(Kisi.Validate());
        }

        if (Brivo is not null)
        {
            errors.AddRange(Brivo.Validate());
        }

        if (Salto is not null)
        {
            errors.AddRange(Salto.Validate());
        }

        return errors;
    }
}

internal sealed record BusOptions
{
    public string Port { get; init; } = string.Empty;

    public int BaudRate { get; init; } = 115200;

    public IReadOnlyList<ReaderOptions> Readers { get; init; } = [];
}

internal sealed record ReaderOptions
{
    public int Address { get; init; }

    public string DoorId { get; init; } = string.Empty;

    /// <summary>The reader supports and requires the secure channel (plain text only for osdp_ID and osdp_CAP).</summary>
    public bool SecureChannel { get; init; }

    /// <summary>The reader's SCBK as 32 hex digits; null with secureChannel puts it in install mode (SCBK-D).</summary>
    public string? Scbk { get; init; }

    public bool Keypad { get; init; } = true;
}
