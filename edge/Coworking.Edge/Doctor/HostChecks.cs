using System.ComponentModel;
using System.Diagnostics;
using Coworking.Edge.Configuration;

namespace Coworking.Edge.Doctor;

/// <summary>The box itself: the data directory, its free disk, and whether the clock is synchronised.</summary>
internal static class HostChecks
{
    private const long FailBelowBytes = 100L << 20;
    private const long WarnBelowBytes = 1L << 30;

    public static IEnumerable<DoctorFinding> DataDirectory(EdgeOptions edge)
    {
        var directory = Path.GetFullPath(edge.DataDirectory);
        if (!Directory.Exists(directory))
        {
            yield return DoctorFinding.Fail("disk", directory, "the data directory does not exist",
                $"create it for the edge's user: sudo install -d -o coworking-edge -g coworking-edge -m 0750 {directory} (the package does this)");
            yield break;
        }

        var probe = Path.Combine(directory, $".doctor-{Environment.ProcessId}");
        string? writeError = null;
        try
        {
            File.WriteAllBytes(probe, [1]);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            writeError = e.Message;
        }

        if (writeError is not null)
        {
            yield return DoctorFinding.Fail("disk", directory, $"the data directory cannot be written: {writeError}",
                "the edge's user must own it: sudo chown -R coworking-edge:coworking-edge " + directory);
            yield break;
        }

        long free;
        string? spaceError = null;
        try
        {
            free = new DriveInfo(directory).AvailableFreeSpace;
        }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
        {
            free = -1;
            spaceError = e.Message;
        }

        if (spaceError is not null)
        {
            yield return DoctorFinding.Warn("disk", directory, $"free space could not be read: {spaceError}", "check it with: df -h " + directory);
            yield break;
        }

        var freeText = $"{free >> 20} MiB free for the cache and the outbox";
        yield return free < FailBelowBytes
            ? DoctorFinding.Fail("disk", directory, freeText, "free space on this file system: events wait in the outbox while the hub is unreachable, and a full disk stops the doors recording")
            : free < WarnBelowBytes
                ? DoctorFinding.Warn("disk", directory, freeText, "keep at least 1 GiB free: a week without the hub fills the outbox")
                : DoctorFinding.Ok("disk", directory, freeText);
    }

    /// <summary>The clock's synchronisation as systemd sees it (timedatectl); grants are evaluated against this clock.</summary>
    public static async Task<DoctorFinding> ClockAsync(CancellationToken cancellationToken)
    {
        const string Fix = "turn NTP on: sudo timedatectl set-ntp true (systemd-timesyncd), or install chrony; the box must reach an NTP server";
        try
        {
            var psi = new ProcessStartInfo("timedatectl", ["show", "--property=NTPSynchronized", "--value"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            using var process = Process.Start(psi)!;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            var output = await process.StandardOutput.ReadToEndAsync(timeout.Token);
            await process.WaitForExitAsync(timeout.Token);
            return (process.ExitCode, output.Trim()) switch
            {
                (0, "yes") => DoctorFinding.Ok("clock", "ntp", "the clock is synchronised (timedatectl)"),
                (0, "no") => DoctorFinding.Warn("clock", "ntp", "the clock is not synchronised (timedatectl): grants start and end by this clock", Fix),
                _ => DoctorFinding.Warn("clock", "ntp", "timedatectl could not tell whether the clock is synchronised (no systemd running?)", Fix),
            };
        }
        catch (Exception e) when (e is Win32Exception or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return DoctorFinding.Warn("clock", "ntp", "could not ask timedatectl whether the clock is synchronised", Fix);
        }
    }
}
