namespace Coworking.Hub.Sensors;

/// <summary>Wires the sensors feature: sensor configuration, occupancy samples, utilisation and the no-show policy.</summary>
public static class SensorsSetup
{
    public static IServiceCollection AddSensors(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SensorOptions>().Bind(configuration.GetSection(SensorOptions.Section));
        services.AddSingleton<SensorStore>();
        services.AddSingleton<SensorGatewayStore>();
        services.AddSingleton<SamplePartitions>();
        services.AddHostedService(sp => sp.GetRequiredService<SamplePartitions>());
        services.AddSingleton<UtilisationRollup>();
        services.AddHostedService(sp => sp.GetRequiredService<UtilisationRollup>());
        services.AddSingleton<NoShowReleaser>();
        services.AddHostedService(sp => sp.GetRequiredService<NoShowReleaser>());
        services.AddSingleton<Mail.IMailComposer>(sp => sp.GetRequiredService<NoShowReleaser>());
        return services;
    }
}
