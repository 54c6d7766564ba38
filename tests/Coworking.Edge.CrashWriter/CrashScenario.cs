using System.Globalization;
using Coworking.Edge.Cache;
using Coworking.Proto.V1;

namespace Coworking.Edge.CrashWriter;

/// <summary>
/// The change log the crash writer applies, defined by batch number alone, so whoever reopens the
/// cache can tell exactly what a cache at seq S must contain. Batch n leaves its number in the
/// location name, adds holder h-n and card c-n, adds grants (150 every tenth batch, to make long
/// transactions), removes the grants of batch n-5, and every seventh batch revokes card c-(n-1).
/// Each change takes one seq, so a seq that is not the end of a batch betrays a torn batch.
/// </summary>
public static class CrashScenario
{
    public const string LocationId = "crash-loc";

    public static ChangeBatch Batch(long number)
    {
        var changes = Changes(number);
        var seq = EndOf(number - 1);
        var batch = new ChangeBatch { LocationId = LocationId };
        foreach (var change in changes)
        {
            change.Seq = ++seq;
            batch.Changes.Add(change);
        }

        batch.LastSeq = seq;
        return batch;
    }

    /// <summary>The number of the batch that ends at <paramref name="seq"/>; null when no batch ends there.</summary>
    public static long? BatchEndingAt(long seq)
    {
        long number = 0;
        while (EndOf(number) < seq)
        {
            number++;
        }

        return EndOf(number) == seq ? number : null;
    }

    /// <summary>Says what is wrong with the cache's content for its seq, or null when it is exactly right.</summary>
    public static string? Inconsistency(CacheIndex index)
    {
        if (BatchEndingAt(index.Seq) is not { } n)
        {
            return $"seq {index.Seq} is not the end of a batch";
        }

        if (n == 0)
        {
            return index.CredentialCount == 0 && index.GrantCount == 0 && index.Location is null ? null : "content at seq 0";
        }

        if (index.Location?.Name != $"batch {n}")
        {
            return $"location says '{index.Location?.Name}' after batch {n}";
        }

        if (index.CredentialCount != n || index.HolderCount != n)
        {
            return $"{index.CredentialCount} credentials and {index.HolderCount} holders after batch {n}";
        }

        foreach (var credential in index.Credentials)
        {
            var k = long.Parse(credential.Id.AsSpan(2), CultureInfo.InvariantCulture);
            var revoked = (k + 1) % 7 == 0 && k + 1 <= n;
            if (credential.Revoked != revoked || credential.Card != new CardKey(1, (ulong)k) || !index.TryGetCard(new CardKey(1, (ulong)k), out _))
            {
                return $"card {credential.Id} revoked={credential.Revoked} after batch {n}";
            }
        }

        var expected = new HashSet<string>(StringComparer.Ordinal);
        for (var b = Math.Max(1, n - 4); b <= n; b++)
        {
            for (var i = 0; i < GrantsOf(b); i++)
            {
                expected.Add($"g-{b}-{i}");
            }
        }

        return expected.SetEquals(index.Grants.Select(g => g.Id)) ? null : $"{index.GrantCount} grants, expected {expected.Count}, after batch {n}";
    }

    private static int GrantsOf(long number) => number % 10 == 0 ? 150 : 3;

    private static long EndOf(long number)
    {
        long end = 0;
        for (var b = 1; b <= number; b++)
        {
            end += 3 + GrantsOf(b) + (b > 5 ? GrantsOf(b - 5) : 0) + (b % 7 == 0 ? 1 : 0);
        }

        return end;
    }

    private static List<Change> Changes(long n)
    {
        var changes = new List<Change>
        {
            new() { Location = new LocationUpsert { LocationId = LocationId, Name = $"batch {n}", TimeZone = "Europe/London" } },
            new() { Holder = new HolderUpsert { HolderId = $"h-{n}", Status = HolderStatus.Active } },
            new() { Credential = new CredentialUpsert { CredentialId = $"c-{n}", HolderId = $"h-{n}", Kind = CredentialKind.Card, FacilityCode = 1, CardNumber = (ulong)n } },
        };
        for (var i = 0; i < GrantsOf(n); i++)
        {
            var grant = new GrantUpsert { GrantId = $"g-{n}-{i}", HolderId = $"h-{n}" };
            grant.DoorIds.Add("d1");
            grant.DoorIds.Add("d2");
            changes.Add(new Change { Grant = grant });
        }

        if (n > 5)
        {
            for (var i = 0; i < GrantsOf(n - 5); i++)
            {
                changes.Add(new Change { GrantRemoved = new GrantRemoved { GrantId = $"g-{n - 5}-{i}" } });
            }
        }

        if (n % 7 == 0)
        {
            changes.Add(new Change { CredentialRevoked = new CredentialRevoked { CredentialId = $"c-{n - 1}" } });
        }

        return changes;
    }
}
