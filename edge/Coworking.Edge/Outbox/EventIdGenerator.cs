using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Coworking.Edge.Outbox;

/// <summary>
/// Makes UUIDv7 ids (RFC 9562) that only grow within a process: the 12 bits after the millisecond
/// timestamp count up inside one millisecond, and a clock that steps back does not step the ids back.
/// </summary>
public sealed class EventIdGenerator(TimeProvider time)
{
    private const int CounterLimit = 1 << 12;

    private readonly Lock _sync = new();
    private long _lastMilliseconds;
    private int _counter;

    public Guid Next()
    {
        Span<byte> bytes = stackalloc byte[16];
        RandomNumberGenerator.Fill(bytes[6..]);
        long milliseconds;
        int counter;
        lock (_sync)
        {
            var now = time.GetUtcNow().ToUnixTimeMilliseconds();
            if (now > _lastMilliseconds)
            {
                _lastMilliseconds = now;
                _counter = 0;
            }
            else if (++_counter == CounterLimit)
            {
                _lastMilliseconds++;
                _counter = 0;
            }

            milliseconds = _lastMilliseconds;
            counter = _counter;
        }

        BinaryPrimitives.WriteInt64BigEndian(bytes, milliseconds << 16);
        bytes[6] = (byte)(0x70 | (counter >> 8));
        bytes[7] = (byte)counter;
        bytes[8] = (byte)(0x80 | (bytes[8] & 0x3F));
        return new Guid(bytes, bigEndian: true);
    }

    /// <summary>Continues after an id recorded earlier, so ids keep growing across a restart.</summary>
    public void ContinueAfter(Guid last)
    {
        Span<byte> bytes = stackalloc byte[16];
        last.TryWriteBytes(bytes, bigEndian: true, out _);
        var milliseconds = BinaryPrimitives.ReadInt64BigEndian(bytes) >> 16;
        lock (_sync)
        {
            if (milliseconds >= _lastMilliseconds)
            {
                _lastMilliseconds = milliseconds;
                _counter = ((bytes[6] & 0x0F) << 8) | bytes[7];
            }
        }
    }
}
