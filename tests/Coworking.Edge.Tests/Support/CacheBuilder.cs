using Coworking.Edge.Cache;
using Coworking.Proto.V1;
using Microsoft.Extensions.Time.Testing;

namespace Coworking.Edge.Tests.Support;

/// <summary>A real grant cache in a temp directory, fed through a change log.</summary>
public sealed class CacheBuilder : IDisposable
{
    private readonly TempDirectory _directory = new();

    public CacheBuilder()
    {
        Cache = GrantCache.Open(CachePath, new FakeTimeProvider(), Logs.For<GrantCache>());
    }

    public GrantCache Cache { get; private set; }

    public ChangeLog Log { get; } = new();

    public string CachePath => _directory.File("cache.db");

    public TempDirectory Directory => _directory;

    public ApplyResult Apply(params Change[] changes) => Cache.Apply(Log.Batch(changes));

    public GrantCache Reopen()
    {
        Cache.Dispose();
        Cache = GrantCache.Open(CachePath, new FakeTimeProvider(), Logs.For<GrantCache>());
        return Cache;
    }

    public void Dispose()
    {
        Cache.Dispose();
        _directory.Dispose();
    }
}
