namespace Coworking.Hub.Sensors;

/// <summary>Wires the sensors feature: sensor configuration, occupancy samples and utilisation.</summary>
public static class SensorsSetup
{
    public static IServiceCollection AddSensors(this IServiceCollection services)
    {
        services.AddSingleton<SensorStore>();
        return services;
    }
}
