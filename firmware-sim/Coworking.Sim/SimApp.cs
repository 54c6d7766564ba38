using System.Globalization;
using Coworking.Sim.Brivo;
using Coworking.Sim.Bus;
using Coworking.Sim.Configuration;
using Coworking.Sim.Control;
using Coworking.Sim.Kisi;
using Coworking.Sim.Osdp.SecureChannel;
using Coworking.Sim.Salto;
using Coworking.Sim.Sensors;
using Coworking.Sim.Stripe;
using Coworking.Sim.Stripe.Api;
using Coworking.Sim.Stripe.Control;
using Coworking.Sim.Stripe.Webhooks;
using Serilog;
using Serilog.Events;

namespace Coworking.Sim;

/// <summary>
/// Wires the sim: configuration (--config file.json, appsettings, command line), readers, bus loops, control API, and
/// with a "stripe" section the Stripe API at /v1 and its control API at /stripe, with a "sensors" section occupancy
/// sensors publishing over MQTT and their control API at /sensors, with a "kisi" section Kisi's API at /kisi/api and its
/// control API at /kisi/control, with a "brivo" section Brivo's token endpoint and API under /brivo and its control API at
/// /brivo/control, with a "salto" section Salto KS's token endpoint and API under /salto and its control API at /salto/control.
/// </summary>
internal static class SimApp
{
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        if (builder.Configuration["config"] is { } configPath)
        {
            builder.Configuration.AddJsonFile(Path.GetFullPath(configPath), optional: false, reloadOnChange: false);
            builder.Configuration.AddCommandLine(args);
        }

        var options = builder.Configuration.Get<SimOptions>() ?? new SimOptions();
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new SimConfigurationException(
                "The sim configuration is not usable:" + Environment.NewLine + string.Join(Environment.NewLine, errors));
        }

        builder.Services.AddSerilog((_, logging) => logging
            .MinimumLevel.Information()
            .MinimumLevel.Override("Microsoft.AspNetCore", LogEventLevel.Warning)
            .ReadFrom.Configuration(builder.Configuration)
            .Enrich.FromLogContext()
            .WriteTo.Console(formatProvider: CultureInfo.InvariantCulture));
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(new ScbkStore(options.KeyStorePath));
        builder.Services.AddSingleton<ReaderDirectory>();
        builder.Services.AddHostedService<ReaderBusService>();
        builder.Services.AddProblemDetails();
        if (options.Stripe is { } stripe)
        {
            builder.Services.AddSingleton(stripe);
            builder.Services.AddSingleton(new StripeStore(stripe.StatePath));
            builder.Services.AddSingleton<WebhookDispatcher>();
            builder.Services.AddHostedService(services => services.GetRequiredService<WebhookDispatcher>());
            builder.Services.AddSingleton<StripeGateway>();
        }

        if (options.Sensors is { } sensors)
        {
            builder.Services.AddSingleton(sensors);
            builder.Services.AddSingleton<SensorDirectory>();
            builder.Services.AddSingleton<SensorPublisher>();
            builder.Services.AddHostedService(services => services.GetRequiredService<SensorPublisher>());
            if (sensors.Day is not null)
            {
                builder.Services.AddHostedService<SensorDayPlayer>();
            }
        }

        if (options.Kisi is { } kisi)
        {
            builder.Services.AddSingleton(new KisiStore(kisi));
        }

        if (options.Brivo is { } brivo)
        {
            builder.Services.AddSingleton(new BrivoStore(brivo));
        }

        if (options.Salto is { } salto)
        {
            builder.Services.AddSingleton(new SaltoStore(salto));
        }

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapDoorsApi();
        if (options.Stripe is not null)
        {
            app.MapStripeApi();
            app.MapStripeControlApi();
        }

        if (options.Sensors is not null)
        {
            app.MapSensorsApi();
        }

        if (options.Kisi is not null)
        {
            app.MapKisiApi();
            app.MapKisiControlApi();
        }

        if (options.Brivo is not null)
        {
            app.MapBrivoApi();
            app.MapBrivoControlApi();
        }

        if (options.Salto is not null)
        {
            app.MapSaltoApi();
            app.MapSaltoControlApi();
        }

        return app;
    }
}
