using Coworking.Proto;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Coworking.Edge.Configuration;
using Coworking.Proto.V1;
using Grpc.Core;
using EdgeSyncGrpc = Coworking.Proto.V1.EdgeSync;

namespace Coworking.Edge.EdgeSync;

/// <summary>
/// <c>coworking-edge enroll --hub URL --code CODE [--name NAME] [--Edge:DataDirectory=DIR]</c>: spends a
/// one-time enrolment code and stores the edge's credential and the hub's authority in the data directory.
/// The code is <c>secret.pin</c>: the hub's authority is fetched without trusting anyone, accepted only
/// when its fingerprint matches the pin, and the secret then travels only over a connection verified
/// with it (docs/SYNC.md, "Enrolment"). Prints <c>{"edgeId":…,"locationId":…}</c> on stdout.
/// </summary>
public static class EnrollCommand
{
    public const string Verb = "enroll";

    private const string Usage =
        "usage: coworking-edge enroll --hub https://HUB:PORT[,https://HUB2:PORT] --code CODE [--name NAME] [--Edge:DataDirectory=DIR]";

    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken = default)
    {
        string? hub = null, code = null, name = null;
        var rest = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--hub" when i + 1 < args.Length: hub = args[++i]; break;
                case "--code" when i + 1 < args.Length: code = args[++i]; break;
                case "--name" when i + 1 < args.Length: name = args[++i]; break;
                default: rest.Add(args[i]); break;
            }
        }

        var dot = code?.IndexOf('.', StringComparison.Ordinal) ?? -1;
        var urls = hub?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
        if (urls.Length == 0 || urls.Any(u => !u.StartsWith("https://", StringComparison.Ordinal)) || code is null || dot <= 0 || dot == code.Length - 1)
        {
            await Console.Error.WriteLineAsync(Usage + "\n  the hub address must be https://, and the code is the whole text the console showed");
            return 2;
        }

        var configuration = EdgeConfiguration.Build([.. rest]);
        var edge = configuration.GetSection(EdgeOptions.Section).Get<EdgeOptions>() ?? new EdgeOptions();
        var sync = configuration.GetSection(EdgeSyncOptions.Section).Get<EdgeSyncOptions>() ?? new EdgeSyncOptions();
        if (HubEnrolment.Exists(edge.DataDirectory))
        {
            await Console.Error.WriteLineAsync(
                $"this edge is already enrolled ({Path.Combine(edge.DataDirectory, HubEnrolment.FileName)}); to enrol it again, stop it and remove that file");
            return 1;
        }

        try
        {
            var enrolled = await EnrollAsync(urls, code[..dot], code[(dot + 1)..], name ?? Environment.MachineName, sync, cancellationToken);
            enrolled.Enrolment.Save(edge.DataDirectory, enrolled.AuthorityPem);
            await Console.Out.WriteLineAsync(JsonSerializer.Serialize(
                new { edgeId = enrolled.Enrolment.EdgeId, locationId = enrolled.Enrolment.LocationId, dataDirectory = Path.GetFullPath(edge.DataDirectory) },
                JsonSerializerOptions.Web));
            return 0;
        }
        catch (EnrolmentException ex)
        {
            await Console.Error.WriteLineAsync($"enrolment failed: {ex.Message}");
            return 1;
        }
    }

    private static async Task<(HubEnrolment Enrolment, string AuthorityPem)> EnrollAsync(
        string[] urls, string secret, string pin, string name, EdgeSyncOptions options, CancellationToken cancellationToken)
    {
        var url = urls[0];
        string authorityPem;
        using (var unverified = HubChannel.CreateUnverified(url, options))
        {
            authorityPem = (await Call(() => new EdgeSyncGrpc.EdgeSyncClient(unverified).GetHubAuthorityAsync(new HubAuthorityRequest(), cancellationToken: cancellationToken))).CertificatePem;
        }

        using (var authority = X509Certificate2.CreateFromPem(authorityPem))
        {
            var actual = Base32.Encode(SHA256.HashData(authority.RawData).AsSpan(0, 20));
            if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(actual), Encoding.ASCII.GetBytes(pin)))
            {
                throw new EnrolmentException(
                    $"{url} showed a certificate authority that does not match the code: not the hub that made the code, or someone in between. Nothing was sent.");
            }
        }

        using var verified = HubChannel.Create(url, authorityPem, options);
        var response = await Call(() => new EdgeSyncGrpc.EdgeSyncClient(verified).EnrollAsync(
            new EnrollRequest { Code = secret, Name = name, SoftwareVersion = EdgeVersion.Current },
            cancellationToken: cancellationToken));
        return (new HubEnrolment(response.EdgeId, response.LocationId, urls, response.EdgeCredential), authorityPem);
    }

    private static async Task<T> Call<T>(Func<AsyncUnaryCall<T>> call)
    {
        try
        {
            return await call();
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.PermissionDenied)
        {
            throw new EnrolmentException("the hub refused the code: unknown, already used, expired or revoked. Ask the operator for a new one.");
        }
        catch (RpcException ex)
        {
            throw new EnrolmentException($"{ex.Status.StatusCode}: {ex.Status.Detail}");
        }
    }

    private sealed class EnrolmentException(string message) : Exception(message);
}
