using System.Device.Gpio;
using System.Globalization;
using Coworking.Edge.Bridges;
using Coworking.Edge.Cache;
using Coworking.Edge.Configuration;
using Coworking.Edge.Decisions;
using Coworking.Edge.Doors;
using Coworking.Edge.EdgeSync;
using Coworking.Edge.Doctor;
using Coworking.Edge.Gpio;
using Coworking.Edge.Osdp.Capture;
using Coworking.Edge.Osdp.ControlPanel;
using Coworking.Edge.Outbox;
using Coworking.Edge.Readers;
using Coworking.Edge.Sensors;
using Coworking.Edge.Status;
using Coworking.Edge.Telemetry;
using Serilog;

// Composition root: wires the parts; what happens when a card is read is in
// Decisions → Doors → Outbox (docs/EDGE.md).
switch (args)
{
    case [EnrollCommand.Verb, ..]:
        return await EnrollCommand.RunAsync(args[1..]);
    case [DoctorCommand.Verb, ..]:
        return await DoctorCommand.RunAsync(args[1..]);
    case [CaptureCommand.Verb, ..]:
        return await CaptureCommand.RunAsync(args[1..]);
}

args = args is ["run", ..] ? args[1..] : args;
// appsettings.json ships next to the program; the working directory is wherever the service manager starts it.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
try
{
    EdgeConfiguration.UseEdgeSources(builder.Configuration, args, builder.Environment.EnvironmentName);
}
catch (InvalidDataException e)
{
    await Console.Error.WriteLineAsync($"coworking-edge: configuration error: {e.Message} Fix {EdgeConfiguration.FilePath} and start again.");
    return 2;
}

SystemdWatchdog.AddSystemdNotifications(builder.Services);
builder.Services.AddSerilog((_, logger) => logger
    .ReadFrom.Configuration(builder.Configuration)
    .WriteTo.Console(formatProvider: CultureInfo.InvariantCulture));

var edge = builder.Configuration.GetSection(EdgeOptions.Section).Get<EdgeOptions>() ?? new EdgeOptions();
IReadOnlyList<OsdpBusOptions> osdpBuses;
try
{
    osdpBuses = OsdpReaderServices.ReadBuses(builder.Configuration);
}
catch (ArgumentException e)
{
    await Console.Error.WriteLineAsync($"coworking-edge: configuration error: {e.Message} Fix the Osdp:Buses section (docs/OSDP.md) and start again.");
    return 2;
}

builder.WebHost.UseUrls(edge.StatusUrl);

var services = builder.Services;
services.AddSingleton(TimeProvider.System);
services.AddSingleton(edge);
services.AddSingleton(sp => GrantCache.Open(edge.CachePath, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<GrantCache>>()));
services.AddSingleton(sp => EventOutbox.Open(edge.OutboxPath, edge.Outbox, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<EventOutbox>>()));
services.AddSingleton<IEventRecorder>(sp => sp.GetRequiredService<EventOutbox>());
services.AddHostedService(sp => sp.GetRequiredService<EventOutbox>());
services.AddEdgeSync(builder.Configuration);
services.AddSingleton<DecisionEngine>();
services.AddSingleton(sp => PinAttemptLimiter.Open(edge.PinAttemptsPath, edge.PinLimits, sp.GetRequiredService<TimeProvider>()));
services.AddSingleton<DoorRegistry>();
services.AddSingleton<RecentDecisions>();
services.AddSingleton<AccessService>();
services.AddVendorBridges(builder.Configuration);
services.AddSingleton<RemoteUnlock>();
services.AddSingleton(_ => FirstPersonInState.Open(edge.FirstPersonInPath));
services.AddSingleton<UnlockedHours>();
try
{
    services.AddEdgeTelemetry(builder.Configuration);
}
catch (InvalidDataException e)
{
    await Console.Error.WriteLineAsync($"coworking-edge: configuration error: {e.Message}");
    return 2;
}

Func<GpioController>? gpio = edge.Gpio.Driver switch
{
    "none" => null,
    "system" => () => new GpioController(),
    "simulated" => () => new GpioController(new SimulatedGpioDriver()),
    var other => throw new InvalidOperationException($"Edge:Gpio:Driver '{other}' is not one of none, system, simulated."),
};
if (gpio is not null)
{
    services.AddSingleton(sp => new GpioDoors(edge.Gpio, gpio, sp.GetRequiredService<DoorRegistry>(), sp.GetRequiredService<GrantCache>(),
        sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>()));
    services.AddHostedService(sp => sp.GetRequiredService<GpioDoors>());
}

services.AddOsdpReaders(osdpBuses, edge);

services.AddSingleton(edge.Sensors);
services.AddSingleton<ISensorCatalog, CachedSensorCatalog>();
services.AddSingleton<SensorIngest>();
services.AddSingleton<OccupancyTracker>();
switch (edge.Sensors.Mode)
{
    case "embedded":
        services.AddHostedService<EmbeddedBroker>();
        break;
    case "external":
        services.AddHostedService<BuildingBrokerClient>();
        break;
    case "none":
        break;
    default:
        await Console.Error.WriteLineAsync($"coworking-edge: configuration error: Edge:Sensors:Mode '{edge.Sensors.Mode}' is not one of embedded, external, none.");
        return 2;
}

services.AddHostedService(sp => sp.GetRequiredService<OccupancyTracker>());

// Registered after every part that adds doors: hosted services start in this order and stop in reverse.
services.AddHostedService<DoorControlService>();
services.AddHostedService(sp => sp.GetRequiredService<UnlockedHours>());

var app = builder.Build();
app.UseEdgeMetricsEndpoint();
app.MapStatusApi();
app.MapOsdpStatus();
app.MapCaptureApi();
app.MapBridgeWebhooks();
await app.RunAsync();
return 0;
