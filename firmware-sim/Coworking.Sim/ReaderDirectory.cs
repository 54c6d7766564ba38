using Coworking.Sim.Bus;
using Coworking.Sim.Configuration;
using Coworking.Sim.Osdp.SecureChannel;
using Coworking.Sim.Readers;

namespace Coworking.Sim;

/// <summary>All simulated buses and their readers, built once from the configuration; readers are found by the hub's door id.</summary>
internal sealed class ReaderDirectory
{
    private readonly Dictionary<string, SimulatedReader> byDoor = new(StringComparer.OrdinalIgnoreCase);

    public ReaderDirectory(SimOptions options, ScbkStore keyStore, TimeProvider time, ILoggerFactory loggers)
    {
        var buses = new List<OsdpBus>();
        for (var b = 0; b < options.Buses.Count; b++)
        {
            var busOptions = options.Buses[b];
            var readers = busOptions.Readers.Select(r => new SimulatedReader(
                new ReaderSetup(
                    r.DoorId,
                    (byte)r.Address,
                    busOptions.Port,
                    busOptions.BaudRate,
                    r.SecureChannel,
                    keyStore.Find(r.DoorId) ?? (r.Scbk is null ? null : Convert.FromHexString(r.Scbk)),
                    r.Keypad,
                    SerialNumber(b, r.Address)),
                keyStore,
                time,
                TimeSpan.FromMilliseconds(options.OnlineWindowMs),
                loggers.CreateLogger<SimulatedReader>())).ToList();
            readers.ForEach(r => byDoor.Add(r.DoorId, r));
            buses.Add(new OsdpBus(busOptions.Port, busOptions.BaudRate, readers, time));
        }

        Buses = buses;
    }

    public IReadOnlyList<OsdpBus> Buses { get; }

    public IEnumerable<SimulatedReader> Doors => Buses.SelectMany(b => b.Readers);

    public SimulatedReader? Find(string doorId) => byDoor.GetValueOrDefault(doorId);

    /// <summary>A serial number unique per reader in this sim ("SI" + bus + address), reported in osdp_PDID and the cUID.</summary>
    private static uint SerialNumber(int bus, int address) => 0x53490000u | (uint)(bus << 8) | (uint)address;
}
