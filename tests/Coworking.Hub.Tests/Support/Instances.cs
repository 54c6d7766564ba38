using Coworking.Hub.Auth;
using Microsoft.Extensions.DependencyInjection;

namespace Coworking.Hub.Tests.Support;

/// <summary>Helpers for tests that run more than one hub instance on one database.</summary>
internal static class Instances
{
    /// <summary>Until every instance hears notifications: before that they remember no key, and a test of revocation would prove nothing.</summary>
    public static async Task ListeningAsync(params IServiceProvider[] instances)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!instances.All(i => i.GetRequiredService<ApiKeyCache>().Listening))
        {
            await Task.Delay(20, timeout.Token);
        }
    }
}
