namespace Coworking.Sim.Configuration;

/// <summary>The configuration cannot run a sim; the message lists every problem, one per line.</summary>
internal sealed class SimConfigurationException : Exception
{
    public SimConfigurationException()
    {
    }

    public SimConfigurationException(string message)
        : base(message)
    {
    }

    public SimConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
