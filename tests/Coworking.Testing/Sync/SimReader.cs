using System.Net.Http.Json;
using System.Text.Json;

namespace Coworking.Testing.Sync;

/// <summary>One simulated OSDP reader (firmware-sim) at a door, on a socat pty pair the edge opens as its bus.</summary>
public sealed class SimReader : IAsyncDisposable
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private readonly SocatPair _bus;
    private readonly ChildProcess _sim;

    private SimReader(SocatPair bus, ChildProcess sim)
    {
        _bus = bus;
        _sim = sim;
    }

    /// <summary>The edge's settings for this bus: reader address 1 serves <paramref name="doorId"/>.</summary>
    public IReadOnlyDictionary<string, string> EdgeSettings(Guid doorId, string keyStoreDirectory) => new Dictionary<string, string>
    {
        ["Osdp__Buses__0__PortName"] = _bus.EdgeEnd,
        ["Osdp__Buses__0__BaudRate"] = "115200",
        ["Osdp__Buses__0__KeyStorePath"] = Path.Combine(keyStoreDirectory, "osdp-keys.json"),
        ["Osdp__Buses__0__Readers__0__Address"] = "1",
        ["Osdp__Buses__0__Readers__0__DoorId"] = doorId.ToString(),
    };

    public static async Task<SimReader> StartAsync(string directory, Guid doorId)
    {
        var bus = await SocatPair.StartAsync(directory, "bus0");
        var config = Path.Combine(directory, "sim.json");
        await File.WriteAllTextAsync(config, JsonSerializer.Serialize(new
        {
            buses = new[]
            {
                new
                {
                    port = bus.DeviceEnd,
                    baudRate = 115200,
                    readers = new object[] { new { address = 1, doorId = doorId.ToString(), secureChannel = false, keypad = true } },
                },
            },
            badgeTimeoutMs = 3000,
            keyStorePath = Path.Combine(directory, "sim-keys.json"),
        }));
        var sim = ChildProcess.StartProject("firmware-sim/Coworking.Sim", "coworking-sim", ["--config", config, "--urls", "http://127.0.0.1:0"]);
        var reader = new SimReader(bus, sim);
        reader._http.BaseAddress = await sim.ListeningAddressAsync(TimeSpan.FromSeconds(60));
        return reader;
    }

    /// <summary>Presents a card ("facility:number") at the door; the answer is what the reader showed ("granted"/"denied").</summary>
    public async Task<string> BadgeAsync(Guid doorId, string card)
    {
        using var response = await _http.PostAsJsonAsync($"/doors/{doorId}/badge", new { card });
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"badge: {(int)response.StatusCode} {text}");
        }
        return JsonDocument.Parse(text).RootElement.GetProperty("result").GetString()!;
    }

    /// <summary>Types a PIN and Enter on the door's keypad; the answer is what the reader showed ("granted"/"denied").</summary>
    public async Task<string> KeypadAsync(Guid doorId, string pin)
    {
        using var response = await _http.PostAsJsonAsync($"/doors/{doorId}/badge", new { pin });
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"keypad: {(int)response.StatusCode} {text}");
        }
        return JsonDocument.Parse(text).RootElement.GetProperty("result").GetString()!;
    }

    /// <summary>Presents a card and then types its PIN; the sim's whole answer (result, led, strikeMs…).</summary>
    public async Task<JsonElement> BadgeWithPinAsync(Guid doorId, string card, string pin)
    {
        using var response = await _http.PostAsJsonAsync($"/doors/{doorId}/badge", new { card, pin });
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"badge: {(int)response.StatusCode} {text}");
        }

        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Presents a card; the sim's whole answer (result, led, strikeMs…).</summary>
    public async Task<JsonElement> BadgeOutcomeAsync(Guid doorId, string card)
    {
        using var response = await _http.PostAsJsonAsync($"/doors/{doorId}/badge", new { card });
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"badge: {(int)response.StatusCode} {text}");
        }

        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>The door's reader as the sim shows it (LED, strike, last strike pulse…).</summary>
    public Task<JsonElement> DoorAsync(Guid doorId) => _http.GetFromJsonAsync<JsonElement>($"/doors/{doorId}");

    /// <summary>Opens or closes the door's contact (the sim reader's input), as someone pushing the door would.</summary>
    public async Task SetContactAsync(Guid doorId, bool open)
    {
        using var response = await _http.PostAsJsonAsync($"/doors/{doorId}/contact", new { open });
        response.EnsureSuccessStatusCode();
    }

    public async ValueTask DisposeAsync()
    {
        await _sim.DisposeAsync();
        _bus.Dispose();
        _http.Dispose();
    }
}
