using System.Data.Common;
using System.Text.Json;
using System.Text.Json.Serialization;
using Coworking.Hub.Access;
using Coworking.Hub.Audit;
using Coworking.Hub.Auth;
using Coworking.Hub.Billing;
using Coworking.Hub.Bookings;
using Coworking.Hub.Bridges;
using Coworking.Hub.Calendar;
using Coworking.Hub.Credentials;
using Coworking.Hub.Database;
using Coworking.Hub.Doors;
using Coworking.Hub.EdgeSync;
using Coworking.Hub.Http;
using Coworking.Hub.Locations;
using Coworking.Hub.Mail;
using Coworking.Hub.Members;
using Coworking.Hub.Memberships;
using Coworking.Hub.Organisations;
using Coworking.Hub.Passkeys;
using Coworking.Hub.Privacy;
using Coworking.Hub.Reports;
using Coworking.Hub.Telemetry;
using Coworking.Hub.Resources;
using Coworking.Hub.Sensors;
using Coworking.Hub.Tiers;
using Coworking.Hub.Visitors;
using Coworking.Hub.Web;
using Npgsql;
using Serilog;
using Serilog.Events;

namespace Coworking.Hub;

/// <summary>The hub's composition root: wires services, middleware and the /api/v1 routes.</summary>
public static class HubApp
{
    /// <summary>Largest request body accepted; more is answered 413.</summary>
    public const long MaxRequestBodyBytes = 1024 * 1024;

    public static async Task<int> RunAsync(string[] args)
    {
        if (args is [BootstrapCommand.Verb, ..])
        {
            return await BootstrapCommand.RunAsync(args[1..]);
        }

        if (args is [LogEpochCommand.Verb, ..])
        {
            return await LogEpochCommand.RunAsync(args[1..]);
        }

        await using var app = Build(args);
        await app.RunAsync();
        return 0;
    }

    /// <summary>
    /// Builds the hub from command-line arguments (<c>--urls</c>, <c>--ConnectionStrings:Hub=…</c>, any setting)
    /// and applies pending migrations. <paramref name="configureServices"/> lets tests replace services such as
    /// the <see cref="TimeProvider"/>.
    /// </summary>
    public static WebApplication Build(string[] args, Action<IServiceCollection>? configureServices = null)
    {
        DapperSetup.Configure();
        // No reload of configuration files on change: the hub reads none it would reload (settings come from the
        // command line and the environment), and watching for them put an inotify watch on every directory under the
        // working directory (3,124 in the repository, the test database's among them), each write there an event.
        var builder = WebApplication.CreateBuilder([.. args, "--hostBuilder:reloadConfigOnChange=false"]);
        var connectionString = builder.Configuration.GetConnectionString("Hub")
            ?? throw new InvalidOperationException("set the database in ConnectionStrings:Hub (env ConnectionStrings__Hub)");

        builder.Services.AddSerilog((services, logger) => logger
            .MinimumLevel.Information()
            .MinimumLevel.Override("Microsoft.AspNetCore", LogEventLevel.Warning)
            // Every 401 would otherwise log "was challenged" at Information.
            .MinimumLevel.Override(typeof(ApiKeyAuthenticationHandler).FullName!, LogEventLevel.Warning)
            .ReadFrom.Configuration(builder.Configuration)
            .Enrich.FromLogContext()
            .WriteTo.Console());
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = MaxRequestBodyBytes;
            // Pings on idle HTTP/2 connections, so an edge whose link died is noticed within seconds.
            kestrel.Limits.Http2.KeepAlivePingDelay = TimeSpan.FromSeconds(5);
            kestrel.Limits.Http2.KeepAlivePingTimeout = TimeSpan.FromSeconds(5);
        });

        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(_ => CreateDataSource(connectionString));
        builder.Services.AddSingleton(_ => TenantDataSource.Create(connectionString));
        builder.Services.AddReportsDataSource(builder.Configuration);
        builder.Services.AddSingleton<OrganisationStore>();
        builder.Services.AddSingleton<ApiKeyCache>();
        builder.Services.AddSingleton<INotificationListener>(services => services.GetRequiredService<ApiKeyCache>());
        builder.Services.AddHostedService<DatabaseNotifications>();
        builder.Services.AddSingleton<ApiKeyStore>();
        builder.Services.AddSingleton<OperatorStore>();
        builder.Services.AddSingleton<LocationStore>();
        builder.Services.AddSingleton<MemberStore>();
        builder.Services.AddSingleton<CredentialStore>();
        builder.Services.AddSingleton<AccessEventStore>();
        builder.Services.AddSingleton<ChangeLogStore>();
        builder.Services.AddAccessGrace();
        builder.Services.AddSingleton<ResourceStore>();
        builder.Services.AddSingleton<TierStore>();
        builder.Services.AddSingleton<MembershipStore>();
        builder.Services.AddHostedService<MembershipClock>();
        builder.Services.AddSingleton<BookingStore>();
        builder.Services.AddSingleton<Availability>();
        builder.Services.AddSingleton<VisitorStore>();
        builder.Services.AddSingleton(services => MailOptions.Read(builder.Configuration, builder.Environment));
        builder.Services.AddSingleton<Mailer>();
        builder.Services.AddSingleton<MailQueue>();
        builder.Services.AddSingleton<Confirmations>();
        builder.Services.AddSingleton<IMailComposer>(services => services.GetRequiredService<Confirmations>());
        builder.Services.AddSingleton<MailOutbox>();
        builder.Services.AddHostedService(services => services.GetRequiredService<MailOutbox>());
        builder.Services.AddSingleton(_ => PassCleanupOptions.Read(builder.Configuration));
        builder.Services.AddSingleton<EndedPassCleanup>();
        builder.Services.AddHostedService(services => services.GetRequiredService<EndedPassCleanup>());
        builder.Services.AddHubTelemetry(builder.Configuration);
        builder.Services.AddSingleton<ExpiredRowSweeper>();
        builder.Services.AddHostedService(services => services.GetRequiredService<ExpiredRowSweeper>());
        builder.Services.AddSingleton<OpenEndedGrantBackfill>();
        builder.Services.AddHostedService(services => services.GetRequiredService<OpenEndedGrantBackfill>());
        builder.Services.AddEdgeSync(builder.Configuration);
        builder.Services.AddDoorControl();
        builder.Services.AddSensors(builder.Configuration);
        builder.Services.AddVendorBridges();
        builder.Services.AddSingleton(_ => BillingOptions.Read(builder.Configuration));
        builder.Services.AddSingleton<BillingCatalogStore>();
        builder.Services.AddSingleton<InvoiceStore>();
        builder.Services.AddSingleton<Privacy.MemberDataExport>();
        builder.Services.AddSingleton<Privacy.MemberErasure>();
        builder.Services.AddSingleton<Dunning>();
        builder.Services.AddSingleton(_ => StripeOptions.Read(builder.Configuration));
        builder.Services.AddSingleton<IPaymentGateway, StripePaymentGateway>();
        builder.Services.AddStripeAccounts();
        builder.Services.AddSingleton<CardSetupLinks>();
        builder.Services.AddSingleton<BillingMail>();
        builder.Services.AddSingleton<IMailComposer>(services => services.GetRequiredService<BillingMail>());
        builder.Services.AddSingleton<PaymentCollector>();
        builder.Services.AddSingleton<StripeWebhook>();
        builder.Services.AddSingleton<BillingClock>();
        builder.Services.AddHostedService(services => services.GetRequiredService<BillingClock>());
        builder.Services.AddReports(builder.Configuration);

        builder.Services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false));
            InputGuard.Configure(json.SerializerOptions);
        });
        builder.Services.Configure<RouteHandlerOptions>(routes => routes.ThrowOnBadRequest = true);
        builder.Services.AddProblemDetails(problems => problems.CustomizeProblemDetails = BadRequestExceptionHandler.NameRejectedBody);
        builder.Services.AddExceptionHandler<BadRequestExceptionHandler>();
        builder.Services.AddIdentity(builder.Configuration);
        builder.Services.AddOpenApi(openApi => openApi
            .AddDocumentTransformer(OpenApiSecurity.DescribeSchemes)
            .AddOperationTransformer(OpenApiSecurity.DescribeOperation)
            .AddSchemaTransformer(InputGuard.DescribeInOpenApi)
            .AddSchemaTransformer(OptionalJsonConverterFactory.DescribeInOpenApi));
        builder.Services.AddPasskeys();
        builder.AddWeb();
        configureServices?.Invoke(builder.Services);

        var app = builder.Build();
        MigrateAsOwner(builder.Configuration, connectionString, app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(Migrator)));
        Tenancy.WarnIfBypassed(app.Services.GetRequiredService<NpgsqlDataSource>(), app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(Tenancy)));

        app.UseBrowserSafety();
        app.UseSerilogRequestLogging(RequestLogging.Configure);
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseCallers();
        app.UseHubMetricsEndpoint();

        app.MapOpenApi();
        app.MapHealthApi();
        app.MapEdgeSync();
        // Sign-in, the member's own routes and passkeys take input like the API: one guard for all (Http/InputGuard).
        var signIn = app.MapGroup("/").AddEndpointFilterFactory(InputGuard.Filter);
        signIn.MapSessionsApi();
        signIn.MapMeApi();
        signIn.MapPasskeysApi();
        var api = app.MapGroup("/api/v1").RequireAuthorization().WithAuditTrail().AddEndpointFilterFactory(InputGuard.Filter);
        var configuration = api.MapGroup("/").RequireAuthorization(HubAuthentication.ConfigurationPolicy);
        var money = api.MapGroup("/").RequireAuthorization(HubAuthentication.MoneyPolicy);
        configuration.MapLocationsApi();
        // Front desk may lock down and unlock doors (ARCHITECTURE §9: members, bookings, visitors, doors).
        api.MapDoorControlApi();
        api.MapMembersApi();
        api.MapCredentialsApi();
        api.MapAccessEventsApi();
        configuration.MapChangeLogApi();
        configuration.MapAccessGraceApi();
        configuration.MapEdgesApi();
        configuration.MapVendorBridgesApi();
        api.MapEdgeEventsApi();
        api.MapAuthApi();
        configuration.MapResourcesApi();
        configuration.MapSensorsApi();
        configuration.MapSensorGatewaysApi();
        configuration.MapTiersApi();
        money.MapMembershipsApi();
        api.MapBookingsApi();
        api.MapVisitorsApi();
        api.MapMemberHistoryApi();
        api.MapCalendarTokenApi();
        money.MapInvoicesApi();
        money.MapPaymentsApi();
        money.MapReportsApi();
        money.MapPrivacyApi();
        api.MapAuditApi();
        app.MapGroup("/").AddEndpointFilterFactory(InputGuard.Filter).MapCalendarFeed();
        app.MapWeb();
        return app;
    }

    /// <summary>
    /// Migrations run as the tables' owner (<c>ConnectionStrings:Migrations</c>), which then grants the hub's own role
    /// (<c>ConnectionStrings:Hub</c>) the rows of every table; that role owns nothing, so row-level security holds it
    /// (docs/SECURITY.md). Without a migrations string the hub's role migrates and owns the tables, still held by the
    /// policies (FORCE) unless it is a superuser.
    /// </summary>
    internal static void MigrateAsOwner(IConfiguration configuration, string hubConnectionString, Microsoft.Extensions.Logging.ILogger logger)
    {
        if (configuration.GetConnectionString("Migrations") is { Length: > 0 } owner)
        {
            Migrator.Apply(owner, logger, grantTo: new NpgsqlConnectionStringBuilder(hubConnectionString).Username);
            return;
        }

        Migrator.Apply(hubConnectionString, logger);
    }

    /// <summary>
    /// The hub runs the same few statements over and over; letting Npgsql prepare them saves PostgreSQL the
    /// parse and plan on each. A connection string that sets Max Auto Prepare keeps its own value.
    /// </summary>
    internal static NpgsqlDataSource CreateDataSource(string connectionString) => CreateDataSourceBuilder(connectionString).Build();

    /// <summary>The builder of <see cref="CreateDataSource"/>, for a pool that adds settings of its own.</summary>
    internal static NpgsqlDataSourceBuilder CreateDataSourceBuilder(string connectionString)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);

        // NpgsqlConnectionStringBuilder.ContainsKey answers whether a keyword exists at all, not whether the string
        // sets it, so the plain builder is asked what the string itself holds.
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString };
        if (!given.ContainsKey("Max Auto Prepare") && !given.ContainsKey("MaxAutoPrepare"))
        {
            builder.ConnectionStringBuilder.MaxAutoPrepare = 64;
        }

        return builder;
    }
}
