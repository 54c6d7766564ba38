using System.Text.Json;
using Microsoft.AspNetCore.Builder;

namespace Coworking.Sim.Tests.Support;

/// <summary>
/// The sim as a fixture starts it: a socat pty pair, a JSON config file, and the app on a free port
/// (coworking-sim --config FILE --urls http://127.0.0.1:0), here in-process.
/// </summary>
public sealed class SimOverPty : IAsyncLifetime
{
    public const string PlainDoor = "0b5e3c2a-0000-4000-8000-000000000001";
    public const string SecureDoor = "0b5e3c2a-0000-4000-8000-000000000002";
    public const byte PlainAddress = 1;
    public const byte SecureAddress = 2;

    private SocatPair? pty;
    private WebApplication? app;
    private string? configPath;

    internal SocatPair Pty => pty ?? throw new InvalidOperationException("not started");

    public HttpClient Http { get; private set; } = new();

    public async Task InitializeAsync()
    {
        pty = await SocatPair.StartAsync();
        configPath = Path.Combine(Path.GetTempPath(), $"sim-config-{Guid.NewGuid():N}.json");
        var config = new
        {
            buses = new[]
            {
                new
                {
                    port = pty.SimEnd,
                    baudRate = 115200,
                    readers = new object[]
                    {
                        new { address = PlainAddress, doorId = PlainDoor, secureChannel = false, keypad = true },
                        new { address = SecureAddress, doorId = SecureDoor, secureChannel = true, scbk = (string?)null, keypad = false },
                    },
                },
            },
            badgeTimeoutMs = 15000,
        };
        await File.WriteAllTextAsync(configPath, JsonSerializer.Serialize(config));
        app = SimApp.Build(["--config", configPath, "--urls", "http://127.0.0.1:0", "--Serilog:MinimumLevel:Default", "Warning"]);
        await app.StartAsync();
        Http = new HttpClient { BaseAddress = new Uri(app.Urls.First()), Timeout = TimeSpan.FromSeconds(30) };
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }

        pty?.Dispose();
        if (configPath is not null)
        {
            File.Delete(configPath);
        }
    }
}
