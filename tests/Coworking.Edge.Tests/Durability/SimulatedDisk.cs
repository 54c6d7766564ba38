using Coworking.Edge.Cache;

namespace Coworking.Edge.Tests.Durability;

/// <summary>
/// Files as a kernel and a disk hold them, so a test can cut the power: what was written but not
/// synced is partly lost. A data file keeps any subset of its unsynced writes, each whole, lost, or
/// torn at 4 KiB sectors. A log file (appended page by page) keeps an in-order prefix of its
/// unsynced writes, each page whole: the journaling file system's ordered appends LiteDB's log
/// relies on (docs/EDGE.md). All files of a disk share one lock, so a cut sees one instant.
/// </summary>
internal sealed class SimulatedDisk
{
    private const int Sector = 4096;

    private readonly Dictionary<string, SimulatedFile> _files = new(StringComparer.Ordinal);
    private readonly Lock _sync = new();
    private bool _cut;

    /// <summary>Opens a LiteDB database on this disk the way the edge opens one on real files.</summary>
    public LiteDbFile OpenDatabase(string name)
    {
        var logFile = File(name + "-log", appendsInOrder: true);
        var dataFile = File(name, appendsInOrder: false);
        var log = new SyncedFileStream(logFile.Open(), logFile.Sync, null);
        var data = new SyncedFileStream(dataFile.Open(), dataFile.Sync, log);
        return LiteDbFile.Open(data, log);
    }

    /// <summary>Runs <paramref name="report"/> only if the power is still on: a fact reported after the cut promises nothing.</summary>
    public void Report(Action report)
    {
        lock (_sync)
        {
            if (!_cut)
            {
                report();
            }
        }
    }

    /// <summary>Cuts the power now; returns the disk as it comes back. This disk keeps running for whoever still writes to it.</summary>
    public SimulatedDisk CutPower(Random random)
    {
        var after = new SimulatedDisk();
        lock (_sync)
        {
            _cut = true;
            foreach (var (name, file) in _files)
            {
                after._files[name] = new SimulatedFile(after, file.AppendsInOrder, file.AfterPowerCut(random));
            }
        }

        return after;
    }

    private SimulatedFile File(string name, bool appendsInOrder)
    {
        lock (_sync)
        {
            if (!_files.TryGetValue(name, out var file))
            {
                file = new SimulatedFile(this, appendsInOrder, []);
                _files[name] = file;
            }

            return file;
        }
    }

    private sealed class SimulatedFile(SimulatedDisk disk, bool appendsInOrder, byte[] content)
    {
        private readonly MemoryStream _pageCache = Copy(content);
        private readonly MemoryStream _platter = Copy(content);
        private readonly List<Operation> _unsynced = [];

        public bool AppendsInOrder { get; } = appendsInOrder;

        private Lock Guard => disk._sync;

        public Stream Open() => new View(this);

        public void Sync()
        {
            lock (disk._sync)
            {
                foreach (var operation in _unsynced)
                {
                    operation.ApplyTo(_platter, keepSector: _ => true);
                }

                _unsynced.Clear();
            }
        }

        public byte[] AfterPowerCut(Random random)
        {
            var image = Copy(_platter.ToArray());
            if (AppendsInOrder)
            {
                foreach (var operation in _unsynced.Take(random.Next(_unsynced.Count + 1)))
                {
                    operation.ApplyTo(image, keepSector: _ => true);
                }
            }
            else
            {
                foreach (var operation in _unsynced)
                {
                    switch (random.Next(3))
                    {
                        case 0:
                            operation.ApplyTo(image, keepSector: _ => true);
                            break;
                        case 1:
                            operation.ApplyTo(image, keepSector: _ => random.Next(2) == 0);
                            break;
                    }
                }
            }

            return image.ToArray();
        }

        private static MemoryStream Copy(byte[] content)
        {
            var stream = new MemoryStream();
            stream.Write(content);
            return stream;
        }

        private abstract record Operation
        {
            public abstract void ApplyTo(MemoryStream file, Func<int, bool> keepSector);
        }

        private sealed record Write(long Offset, byte[] Data) : Operation
        {
            public override void ApplyTo(MemoryStream file, Func<int, bool> keepSector)
            {
                for (var at = 0; at < Data.Length; at += Sector)
                {
                    if (keepSector(at))
                    {
                        file.Position = Offset + at;
                        file.Write(Data, at, Math.Min(Sector, Data.Length - at));
                    }
                }
            }
        }

        private sealed record Truncate(long Length) : Operation
        {
            public override void ApplyTo(MemoryStream file, Func<int, bool> keepSector) => file.SetLength(Length);
        }

        /// <summary>An open file: reads and writes go to the page cache; writes are remembered until synced.</summary>
        private sealed class View(SimulatedFile file) : Stream
        {
            private long _position;

            public override bool CanRead => true;

            public override bool CanSeek => true;

            public override bool CanWrite => true;

            public override long Length
            {
                get
                {
                    lock (file.Guard)
                    {
                        return file._pageCache.Length;
                    }
                }
            }

            public override long Position
            {
                get => _position;
                set => _position = value;
            }

            public override int Read(byte[] buffer, int offset, int count)
            {
                lock (file.Guard)
                {
                    file._pageCache.Position = _position;
                    var read = file._pageCache.Read(buffer, offset, count);
                    _position += read;
                    return read;
                }
            }

            public override void Write(byte[] buffer, int offset, int count)
            {
                lock (file.Guard)
                {
                    file._pageCache.Position = _position;
                    file._pageCache.Write(buffer, offset, count);
                    file._unsynced.Add(new Write(_position, buffer.AsSpan(offset, count).ToArray()));
                    _position += count;
                }
            }

            public override void SetLength(long value)
            {
                lock (file.Guard)
                {
                    file._pageCache.SetLength(value);
                    file._unsynced.Add(new Truncate(value));
                }
            }

            public override long Seek(long offset, SeekOrigin origin) => _position = origin switch
            {
                SeekOrigin.Begin => offset,
                SeekOrigin.Current => _position + offset,
                _ => Length + offset,
            };

            public override void Flush()
            {
            }
        }
    }
}
