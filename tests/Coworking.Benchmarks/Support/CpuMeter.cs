using System.Diagnostics;
using Coworking.Benchmarks.Api;

namespace Coworking.Benchmarks.Support;

/// <summary>CPU used between start and stop by this process (HTTP client and in-process hub) and by the database's PostgreSQL backends.</summary>
internal sealed class CpuMeter
{
    private readonly string connectionString;
    private readonly Dictionary<int, long> postgresBefore;
    private readonly TimeSpan processBefore;

    private CpuMeter(string connectionString, Dictionary<int, long> postgresBefore)
    {
        this.connectionString = connectionString;
        this.postgresBefore = postgresBefore;
        processBefore = Process.GetCurrentProcess().TotalProcessorTime;
    }

    public static async Task<CpuMeter> StartAsync(string connectionString) => new(connectionString, await PostgresCpu.ReadAsync(connectionString));

    /// <summary>Milliseconds of CPU since the start: this process, the PostgreSQL backends.</summary>
    public async Task<(double ProcessMs, double PostgresMs)> StopAsync()
    {
        var processMs = (Process.GetCurrentProcess().TotalProcessorTime - processBefore).TotalMilliseconds;
        return (processMs, PostgresCpu.Since(postgresBefore, await PostgresCpu.ReadAsync(connectionString)));
    }
}
