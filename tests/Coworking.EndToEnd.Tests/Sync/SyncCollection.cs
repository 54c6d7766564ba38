namespace Coworking.EndToEnd.Tests.Sync;

/// <summary>The sync tests run one after another: each starts PostgreSQL clients, hubs, an edge and a sim as processes.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SyncCollection
{
    public const string Name = "sync";
}
