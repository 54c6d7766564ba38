using Coworking.Edge.Configuration;
using Coworking.Edge.Osdp.ControlPanel;

namespace Coworking.Edge.Doctor;

/// <summary>Serial ports and GPIO chips: present, usable by this user, and not held by another program.</summary>
internal static class PortChecks
{
    /// <summary>The port's state; <paramref name="free"/> is true when doctor may open it to probe the readers itself.</summary>
    public static DoctorFinding SerialPort(OsdpBusOptions bus, out bool free)
    {
        free = false;
        var path = bus.PortName;
        if (!File.Exists(path))
        {
            return DoctorFinding.Fail("port", path, "not present",
                "plug the RS-485 adapter in and check its name: ls -l /dev/serial/by-id/ (use that stable path as PortName)");
        }

        var device = ResolvedPath(path);
        var holders = Holders(device).ToList();
        var edge = holders.FirstOrDefault(h => h.Name == "coworking-edge");
        if (edge.Pid != 0)
        {
            return DoctorFinding.Ok("port", path, $"in use by the running edge (pid {edge.Pid})");
        }

        if (holders.Count > 0)
        {
            var held = string.Join(", ", holders.Select(h => $"{h.Name} (pid {h.Pid})"));
            return DoctorFinding.Fail("port", path, $"held by {held}",
                "stop that program: two programs on one bus garble each other's frames (sudo fuser -v " + device + ")");
        }

        if (OpenFailure("port", path, device, "dialout", "unplug and replug the adapter; check dmesg for USB errors") is { } failure)
        {
            return failure;
        }

        free = true;
        return DoctorFinding.Ok("port", path, device == path ? "present and usable" : $"present ({device}) and usable");
    }

    public static DoctorFinding? Gpio(EdgeOptions edge)
    {
        switch (edge.Gpio.Driver)
        {
            case "none":
                return null;
            case "simulated":
                return DoctorFinding.Warn("gpio", "simulated", $"the GPIO driver is simulated: the {edge.Gpio.Doors.Count} doors wired to GPIO are not driven",
                    "set Edge:Gpio:Driver to \"system\" on the real box");
        }

        var chips = Directory.Exists("/dev") ? Directory.GetFiles("/dev", "gpiochip*") : [];
        if (chips.Length == 0)
        {
            return DoctorFinding.Fail("gpio", "/dev/gpiochip0", "no GPIO chip on this box",
                "this board exposes no GPIO character device: check the board, its kernel, or set Edge:Gpio:Driver to \"none\"");
        }

        var chip = chips.Order(StringComparer.Ordinal).First();
        return OpenFailure("gpio", chip, chip, "gpio", "check the board's GPIO driver (dmesg)") ?? DoctorFinding.Ok("gpio", chip, $"present and usable for {edge.Gpio.Doors.Count} doors");
    }

    /// <summary>Opens the device read-write and closes it again; the failure, with its fix, when that is refused.</summary>
    private static DoctorFinding? OpenFailure(string check, string subject, string device, string group, string ioFix)
    {
        try
        {
            using var handle = File.OpenHandle(device, FileMode.Open, FileAccess.ReadWrite);
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return DoctorFinding.Fail(check, subject, $"permission denied for user {Environment.UserName}",
                $"the edge's user must be in the group that owns {device} ({group} on Debian): sudo usermod -aG {group} coworking-edge, then restart the edge");
        }
        catch (IOException e)
        {
            return DoctorFinding.Fail(check, subject, $"cannot be opened: {e.Message}", ioFix);
        }
    }

    private static string ResolvedPath(string path)
    {
        try
        {
            return File.ResolveLinkTarget(path, returnFinalTarget: true)?.FullName ?? Path.GetFullPath(path);
        }
        catch (IOException)
        {
            return Path.GetFullPath(path);
        }
    }

    /// <summary>Processes (as far as this user may look) with the device open, other than doctor itself.</summary>
    private static IEnumerable<(int Pid, string Name)> Holders(string device)
    {
        if (!Directory.Exists("/proc"))
        {
            yield break;
        }

        foreach (var processDirectory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(processDirectory), out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }

            string[] descriptors;
            try
            {
                descriptors = Directory.GetFiles(Path.Combine(processDirectory, "fd"));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }

            var targets = descriptors.Select(LinkTarget).ToList();
            // A virtual port (socat, ser2net) keeps both ends of its pseudo-terminal open: that is its other end, not a rival.
            var ptyOwner = device.StartsWith("/dev/pts/", StringComparison.Ordinal) && targets.Contains("/dev/ptmx");
            if (targets.Contains(device) && !ptyOwner)
            {
                yield return (pid, Name(processDirectory));
            }
        }
    }

    private static string? LinkTarget(string link)
    {
        try
        {
            return new FileInfo(link).LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string Name(string processDirectory)
    {
        try
        {
            var comm = File.ReadAllText(Path.Combine(processDirectory, "comm")).Trim();
            // The edge runs as "coworking-edge" when installed, and as "dotnet coworking-edge.dll" from a build.
            return comm == "dotnet" && File.ReadAllText(Path.Combine(processDirectory, "cmdline")).Contains("coworking-edge.dll", StringComparison.Ordinal)
                ? "coworking-edge"
                : comm;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "?";
        }
    }
}
