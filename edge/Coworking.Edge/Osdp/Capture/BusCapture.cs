namespace Coworking.Edge.Osdp.Capture;

/// <summary>A capture of one bus an installer asked for: the pcap file, when it ends, and a task that completes with the file.</summary>
public sealed record BusCapture(string Path, DateTimeOffset EndsAt, Task Completed);
