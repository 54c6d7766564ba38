namespace Coworking.Hub.Tests.Support;

/// <summary>The billing hub with a late fee of £25.00 (Billing:LateFeeMinor) after the default 7 days' grace.</summary>
public sealed class LateFeeHubFixture : BillingHubFixture
{
    public const long LateFeeMinor = 2500;

    protected override IReadOnlyList<string> MoreSettings => [.. base.MoreSettings, $"--Billing:LateFeeMinor={LateFeeMinor}"];
}
