namespace Coworking.Hub.Sensors;

/// <summary>Wires the sensors feature: sensor configuration, occupancy samples and utilisation.</summary>
public static class SensorsSetup
{
    public static IServiceCollection AddSensors(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SensorOptions>().Bind(configuration.GetSection(SensorOptions.Section));
        services.AddSingleton<SensorStore>();
        services.AddSingleton<SamplePartitions>();
        services.AddHostedService(sp => sp.GetRequiredService<SamplePartitions>());
        services.AddSingleton<UtilisationRollup>();
        services.AddHostedService(sp => sp.GetRequiredService<UtilisationRollup>());
        return services;
    }
}
