using System.Globalization;

namespace Coworking.Benchmarks.Support;

/// <summary>The CPU a process has used so far, from /proc.</summary>
internal static class ProcessCpu
{
    /// <summary>User plus system CPU time of <paramref name="pid"/> in milliseconds, or null once the process is gone.</summary>
    public static double? Milliseconds(int pid)
    {
        try
        {
            // utime and stime are fields 14 and 15 of /proc/<pid>/stat, after the parenthesised command name; in ticks of 1/100 s.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) * 10.0;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
