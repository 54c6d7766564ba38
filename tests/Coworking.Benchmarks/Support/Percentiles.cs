namespace Coworking.Benchmarks.Support;

/// <summary>Latency figures from a set of samples, as the benchmarks print them.</summary>
public sealed record Percentiles(int Count, double P50, double P95, double P99, double Max)
{
    public static Percentiles Of(IReadOnlyCollection<double> samples)
    {
        ArgumentOutOfRangeException.ThrowIfZero(samples.Count);
        var sorted = samples.Order().ToArray();
        return new Percentiles(sorted.Length, At(sorted, 0.50), At(sorted, 0.95), At(sorted, 0.99), sorted[^1]);
    }

    public string Format(string unit) =>
        $"n={Count} p50={P50:F1}{unit} p95={P95:F1}{unit} p99={P99:F1}{unit} max={Max:F1}{unit}";

    private static double At(double[] sorted, double q) =>
        sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
}
