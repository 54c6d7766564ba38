namespace Coworking.Testing.Sync;

/// <summary>
/// Waits for something a user would notice, polling. The bound is generous (a loaded two-core machine) and
/// only turns a hang into a failure: how fast things happen is measured by the benchmarks, never asserted.
/// </summary>
public static class Eventually
{
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    public static async Task Async(Func<Task<bool>> done, string what, Func<string>? context = null, TimeSpan? bound = null)
    {
        var deadline = DateTime.UtcNow + (bound ?? Bound);
        while (!await done())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"not reached within {bound ?? Bound}: {what}\n{context?.Invoke()}");
            }

            await Task.Delay(50);
        }
    }

    public static async Task<T> Async<T>(Func<Task<T>> read, Func<T, bool> done, string what, Func<string>? context = null)
    {
        var last = default(T);
        await Async(
            async () =>
            {
                last = await read();
                return done(last);
            },
            what,
            () => $"last seen: {last}\n{context?.Invoke()}");
        return last!;
    }
}
