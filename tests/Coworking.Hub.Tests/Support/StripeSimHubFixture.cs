using Coworking.Testing;

namespace Coworking.Hub.Tests.Support;

/// <summary>
/// The real hub (on a fake clock kept at real time: the simulator signs its webhooks with the real clock) with no hub-wide
/// Stripe account, and two Stripe simulators in firmware-sim, each a separate Stripe account the organisations of a test
/// point their own accounts at. Stripe keys are kept with Data Protection in a key directory of the fixture's own.
/// </summary>
public sealed class StripeSimHubFixture : ClockedHubFixture
{
    private readonly string keyDirectory = Path.Combine(Path.GetTempPath(), $"coworking-hub-keys-{Guid.NewGuid():N}");

    public StripeSim AccountA { get; private set; } = null!;

    public StripeSim AccountB { get; private set; } = null!;

    public string KeyDirectory => keyDirectory;

    protected override IReadOnlyList<string> MoreSettings =>
    [
        $"--Stripe:AllowedApiBases:0={AccountA.ApiBase}",
        $"--Stripe:AllowedApiBases:1={AccountB.ApiBase}",
        $"--DataProtection:KeyDirectory={keyDirectory}",
        "--Billing:PortalBaseUrl=https://portal.coworking.test/",
    ];

    protected override async Task BeforeStartAsync()
    {
        Time.AdjustTime(DateTimeOffset.UtcNow);
        var accounts = await Task.WhenAll(StripeSim.StartAsync("sk_test_account_a"), StripeSim.StartAsync("sk_test_account_b"));
        (AccountA, AccountB) = (accounts[0], accounts[1]);
    }

    protected override async Task AfterStopAsync()
    {
        await AccountA.DisposeAsync();
        await AccountB.DisposeAsync();
        if (Directory.Exists(keyDirectory))
        {
            Directory.Delete(keyDirectory, recursive: true);
        }
    }

    /// <summary>Moves the hub's clock to the real time, so the simulator's signatures fall inside the five-minute tolerance.</summary>
    public void KeepRealTime() => Time.AdjustTime(DateTimeOffset.UtcNow);
}
