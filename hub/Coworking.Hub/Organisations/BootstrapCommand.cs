using System.Text.Json;
using Coworking.Hub.Database;
using Npgsql;
using Serilog;
using Serilog.Events;

namespace Coworking.Hub.Organisations;

/// <summary>
/// <c>coworking-hub bootstrap --org "Name" [--admin-email e --admin-password p]</c>: applies the migrations,
/// creates an organisation with an organisation-admin API key and prints
/// <c>{"organisationId":"…","apiKey":"…"}</c> on stdout; everything else goes to stderr.
/// </summary>
public static class BootstrapCommand
{
    public const string Verb = "bootstrap";

    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken = default)
    {
        string? org = null, email = null, password = null;
        var rest = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--org" when i + 1 < args.Length: org = args[++i]; break;
                case "--admin-email" when i + 1 < args.Length: email = args[++i]; break;
                case "--admin-password" when i + 1 < args.Length: password = args[++i]; break;
                default: rest.Add(args[i]); break;
            }
        }

        var configuration = new ConfigurationBuilder().AddEnvironmentVariables().AddCommandLine([.. rest]).Build();
        var connectionString = configuration.GetConnectionString("Hub");
        if (string.IsNullOrWhiteSpace(org) || string.IsNullOrWhiteSpace(connectionString) || (email is null) != (password is null))
        {
            await Console.Error.WriteLineAsync(
                "usage: coworking-hub bootstrap --org NAME [--admin-email EMAIL --admin-password PASSWORD]\n" +
                "       with the database in ConnectionStrings__Hub (or --ConnectionStrings:Hub=...)");
            return 2;
        }

        using var loggerFactory = LoggerFactory.Create(b => b.AddSerilog(
            new LoggerConfiguration().WriteTo.Console(standardErrorFromLevel: LogEventLevel.Verbose).CreateLogger(), dispose: true));
        HubApp.MigrateAsOwner(configuration, connectionString, loggerFactory.CreateLogger(typeof(Migrator)));
        DapperSetup.Configure();
        await using var db = NpgsqlDataSource.Create(connectionString);
        var admin = email is null ? null : new BootstrapAdmin(email, password!);
        var created = await new OrganisationStore(new TenantDataSource(db), TimeProvider.System).CreateAsync(org.Trim(), admin, cancellationToken);
        await Console.Out.WriteLineAsync(JsonSerializer.Serialize(created, JsonSerializerOptions.Web));
        return 0;
    }
}
