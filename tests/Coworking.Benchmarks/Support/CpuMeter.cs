using System.Diagnostics;
using Coworking.Benchmarks.Api;

namespace Coworking.Benchmarks.Support;

/// <summary>
/// CPU used between start and stop by this process (the benchmark's HTTP client), by the hub's process and by the
/// database's PostgreSQL backends.
/// </summary>
internal sealed class CpuMeter
{
    private readonly string connectionString;
    private readonly int hubPid;
    private readonly Dictionary<int, double> postgresBefore;
    private readonly TimeSpan clientBefore;
    private readonly double hubBefore;

    private CpuMeter(string connectionString, int hubPid, Dictionary<int, double> postgresBefore)
    {
        this.connectionString = connectionString;
        this.hubPid = hubPid;
        this.postgresBefore = postgresBefore;
        clientBefore = Process.GetCurrentProcess().TotalProcessorTime;
        hubBefore = ProcessCpu.Milliseconds(hubPid) ?? 0;
    }

    public static async Task<CpuMeter> StartAsync(string connectionString, int hubPid) => new(connectionString, hubPid, await PostgresCpu.ReadAsync(connectionString));

    /// <summary>Milliseconds of CPU since the start: this process, the hub, the PostgreSQL backends.</summary>
    public async Task<(double ClientMs, double HubMs, double PostgresMs)> StopAsync()
    {
        var clientMs = (Process.GetCurrentProcess().TotalProcessorTime - clientBefore).TotalMilliseconds;
        var hubMs = (ProcessCpu.Milliseconds(hubPid) ?? hubBefore) - hubBefore;
        return (clientMs, hubMs, PostgresCpu.Since(postgresBefore, await PostgresCpu.ReadAsync(connectionString)));
    }
}
