using System.Text.Json;

namespace Coworking.Edge.EdgeSync;

/// <summary>
/// What enrolment left in the data directory: hub.json (the edge's id, location, hub addresses and its
/// credential) and hub-ca.pem (the only authority the edge trusts for the hub). Both readable by the
/// edge's user only: the credential opens the location's data, PIN key included.
/// </summary>
public sealed record HubEnrolment(string EdgeId, string LocationId, IReadOnlyList<string> HubUrls, string Credential)
{
    public const string FileName = "hub.json";
    public const string AuthorityFileName = "hub-ca.pem";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>The enrolment and the authority's PEM, or null when the edge is not enrolled.</summary>
    public static (HubEnrolment Enrolment, string AuthorityPem)? TryLoad(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, FileName);
        var authorityPath = Path.Combine(dataDirectory, AuthorityFileName);
        if (!File.Exists(path) || !File.Exists(authorityPath))
        {
            return null;
        }

        var enrolment = JsonSerializer.Deserialize<HubEnrolment>(File.ReadAllText(path), Json)
            ?? throw new InvalidDataException($"{path} is empty");
        return (enrolment, File.ReadAllText(authorityPath));
    }

    /// <summary>Writes both files, each complete or not at all (written aside, then renamed).</summary>
    public void Save(string dataDirectory, string authorityPem)
    {
        Directory.CreateDirectory(dataDirectory);
        WritePrivate(Path.Combine(dataDirectory, AuthorityFileName), authorityPem);
        WritePrivate(Path.Combine(dataDirectory, FileName), JsonSerializer.Serialize(this, Json));
    }

    public static bool Exists(string dataDirectory) => File.Exists(Path.Combine(dataDirectory, FileName));

    private static void WritePrivate(string path, string text)
    {
        var temporary = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temporary, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(text);
            writer.Flush();
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
