using System.Text.Json.Serialization;

namespace Coworking.Edge.Doctor;

[JsonConverter(typeof(JsonStringEnumConverter<DoctorLevel>))]
public enum DoctorLevel
{
    [JsonStringEnumMemberName("ok")]
    Ok,

    [JsonStringEnumMemberName("warn")]
    Warn,

    [JsonStringEnumMemberName("fail")]
    Fail,
}

/// <summary>One line of <c>coworking-edge doctor</c>: what was checked, how it went, and the fix in words when it did not.</summary>
/// <param name="Check">config, edge, port, reader, gpio, clock, hub, disk.</param>
/// <param name="Subject">What exactly: a port, "ttyUSB0:2 (door studio)", a hub address.</param>
public sealed record DoctorFinding(string Check, string Subject, DoctorLevel Level, string Message, string? Fix = null)
{
    public static DoctorFinding Ok(string check, string subject, string message) => new(check, subject, DoctorLevel.Ok, message);

    public static DoctorFinding Warn(string check, string subject, string message, string fix) => new(check, subject, DoctorLevel.Warn, message, fix);

    public static DoctorFinding Fail(string check, string subject, string message, string fix) => new(check, subject, DoctorLevel.Fail, message, fix);
}

/// <summary>Everything doctor found; it passes when nothing failed (warnings are for the installer to read).</summary>
public sealed record DoctorReport(bool Ok, IReadOnlyList<DoctorFinding> Findings);
