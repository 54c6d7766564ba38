namespace Coworking.Edge.Sensors;

/// <param name="Reason">unknown_topic, malformed_payload, or what was wrong with the payload.</param>
public sealed record IngestProblem(DateTimeOffset At, string Topic, string Reason);

/// <summary>Messages the edge could not use, counted and the newest kept for /status; none of them stops anything.</summary>
public sealed class IngestProblems(int kept)
{
    private readonly Lock _lock = new();
    private readonly Queue<IngestProblem> _recent = new();
    private long _unknownTopics;
    private long _malformed;

    public long UnknownTopics => Interlocked.Read(ref _unknownTopics);

    public long MalformedPayloads => Interlocked.Read(ref _malformed);

    public void UnknownTopic(DateTimeOffset at, string topic)
    {
        Interlocked.Increment(ref _unknownTopics);
        Keep(new IngestProblem(at, topic, "unknown topic: no sensor is configured for it"));
    }

    public void Malformed(DateTimeOffset at, string topic, string reason)
    {
        Interlocked.Increment(ref _malformed);
        Keep(new IngestProblem(at, topic, "malformed payload: " + reason));
    }

    /// <summary>The newest problems, newest first.</summary>
    public IReadOnlyList<IngestProblem> Recent()
    {
        lock (_lock)
        {
            return [.. _recent.Reverse()];
        }
    }

    private void Keep(IngestProblem problem)
    {
        lock (_lock)
        {
            _recent.Enqueue(problem);
            while (_recent.Count > Math.Max(1, kept))
            {
                _recent.Dequeue();
            }
        }
    }
}
