using System.Text.Json;
using System.Text.Json.Nodes;
using Coworking.Testing.Sync;

namespace Coworking.EndToEnd.Tests.Sync;

/// <summary>Who may follow a location's log: only an enrolled, unrevoked edge, for its own location, with its own credential.</summary>
[Collection(SyncCollection.Name)]
public sealed class RefusalTests
{
    [Fact]
    public async Task Edge_with_a_wrong_credential_is_refused_and_learns_nothing_new()
    {
        await using var site = await SyncSite.StartAsync(reader: false);
        await site.Edge.KillAsync();
        var seq = await site.Api.LocationSeqAsync(site.LocationId);
        EditEnrolment(site.Edge.DataDirectory, e => e["credential"] = WrongSecret(e["credential"]!.GetValue<string>()));
        await site.Api.CreateMemberWithCardAsync(site.LocationId, 42, 10002);

        await site.Edge.StartAsync();
        var sync = (await site.Edge.WaitForStatusAsync(s => s.GetProperty("sync").GetProperty("lastError").GetString() is not null, "a refusal"))
            .GetProperty("sync");

        Assert.StartsWith("refused:", sync.GetProperty("lastError").GetString(), StringComparison.Ordinal);
        Assert.False(sync.GetProperty("connected").GetBoolean());
        Assert.Equal(seq, await site.Edge.SeqAsync());
    }

    [Fact]
    public async Task Revoked_edge_is_cut_off_at_once_and_refused_when_it_comes_back()
    {
        await using var site = await SyncSite.StartAsync(reader: false);

        await site.Api.RevokeEdgeAsync(site.Edge.EdgeId);
        var cut = await site.Edge.WaitForStatusAsync(s => !s.GetProperty("sync").GetProperty("connected").GetBoolean(), "the edge cut off");
        var seq = await site.Edge.SeqAsync();
        await site.Api.CreateMemberWithCardAsync(site.LocationId, 42, 10002);
        await site.Edge.KillAsync();
        await site.Edge.StartAsync();
        var again = await site.Edge.WaitForStatusAsync(s => s.GetProperty("sync").GetProperty("lastError").GetString() is not null, "a refusal");

        Assert.Equal("refused: the edge's credential was revoked", cut.GetProperty("sync").GetProperty("lastError").GetString());
        Assert.StartsWith("refused:", again.GetProperty("sync").GetProperty("lastError").GetString(), StringComparison.Ordinal);
        Assert.Equal(seq, await site.Edge.SeqAsync());
        Assert.False((await site.Api.EdgeAsync(site.Edge.EdgeId)).GetProperty("connected").GetBoolean());
    }

    [Fact]
    public async Task Edge_asking_for_another_location_is_refused()
    {
        await using var site = await SyncSite.StartAsync(reader: false);
        var other = await site.Api.CreateLocationAsync("Harbour Lofts");
        await site.Edge.KillAsync();
        EditEnrolment(site.Edge.DataDirectory, e => e["locationId"] = other.ToString());

        await site.Edge.StartAsync();
        var status = await site.Edge.WaitForStatusAsync(s => s.GetProperty("sync").GetProperty("lastError").GetString() is not null, "a refusal");

        Assert.Equal("refused: an edge is only served the location it was enrolled for", status.GetProperty("sync").GetProperty("lastError").GetString());
        Assert.Equal(site.LocationId.ToString(), status.GetProperty("cache").GetProperty("locationId").GetString());
    }

    [Fact]
    public async Task Edge_with_an_unreadable_enrolment_keeps_running_on_its_cache_and_says_why_it_is_not_connected()
    {
        await using var site = await SyncSite.StartAsync(reader: false);
        var seq = await site.Edge.SeqAsync();
        await site.Edge.KillAsync();
        await File.WriteAllTextAsync(Path.Combine(site.Edge.DataDirectory, "hub.json"), "{ not json");

        await site.Edge.StartAsync();
        var status = await site.Edge.WaitForStatusAsync(s => s.GetProperty("sync").GetProperty("lastError").GetString() is not null, "the failure shown");

        Assert.False(status.GetProperty("sync").GetProperty("connected").GetBoolean());
        Assert.Equal(seq, status.GetProperty("cache").GetProperty("seq").GetInt64());
    }

    [Fact]
    public async Task Enrolment_code_is_spent_by_one_edge_and_refused_when_used_again_or_revoked()
    {
        await using var site = await SyncSite.StartAsync(reader: false);
        var code = await site.Api.EnrolmentCodeAsync(site.LocationId);
        var first = Path.Combine(Path.GetTempPath(), "coworking-enrol-" + Guid.NewGuid().ToString("N")[..8]);
        var second = first + "-again";
        try
        {
            var used = await new EdgeInstance(first, new Dictionary<string, string>()).EnrollAsync(site.Hub.SyncUrl, code);
            var reused = await new EdgeInstance(second, new Dictionary<string, string>()).EnrollAsync(site.Hub.SyncUrl, code);

            Assert.Equal(0, used.ExitCode);
            Assert.Equal(1, reused.ExitCode);
            Assert.Contains("the hub refused the code", reused.Stderr, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(second, "hub.json")));
        }
        finally
        {
            Delete(first);
            Delete(second);
        }
    }

    [Fact]
    public async Task Enrolment_refuses_a_hub_whose_authority_does_not_match_the_code_and_sends_it_nothing()
    {
        await using var site = await SyncSite.StartAsync(reader: false);
        var code = await site.Api.EnrolmentCodeAsync(site.LocationId);
        var secret = code[..code.IndexOf('.', StringComparison.Ordinal)];
        var directory = Path.Combine(Path.GetTempPath(), "coworking-enrol-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var edge = new EdgeInstance(directory, new Dictionary<string, string>());
            var impostor = await edge.EnrollAsync(site.Hub.SyncUrl, $"{secret}.{new string('a', 32)}");
            var genuine = await edge.EnrollAsync(site.Hub.SyncUrl, code);

            Assert.Equal(1, impostor.ExitCode);
            Assert.Contains("does not match the code", impostor.Stderr, StringComparison.Ordinal);
            Assert.Equal(0, genuine.ExitCode);
        }
        finally
        {
            Delete(directory);
        }
    }

    private static void EditEnrolment(string dataDirectory, Action<JsonObject> edit)
    {
        var path = Path.Combine(dataDirectory, "hub.json");
        var enrolment = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(enrolment);
        File.WriteAllText(path, enrolment.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>The same credential with the last digit of its secret changed.</summary>
    private static string WrongSecret(string credential) => credential[..^1] + (credential[^1] == '0' ? '1' : '0');

    private static void Delete(string directory)
    {
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
