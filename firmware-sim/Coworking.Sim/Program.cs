using Coworking.Sim;
using Coworking.Sim.Configuration;

WebApplication app;
try
{
    app = SimApp.Build(args);
}
catch (SimConfigurationException e)
{
    await Console.Error.WriteLineAsync(e.Message);
    return 2;
}

await app.RunAsync();
return 0;
