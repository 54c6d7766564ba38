using System.Threading.Channels;
using Coworking.Edge.Cache;
using Coworking.Edge.Decisions;
using Coworking.Edge.Doors;
using Coworking.Edge.Osdp.Cards;
using Coworking.Edge.Osdp.ControlPanel;
using Coworking.Edge.Outbox;
using Coworking.Edge.Status;

namespace Coworking.Edge.Readers;

/// <summary>
/// The OSDP readers of this edge, wired to the doors: each configured bus is run, every card read and keypad
/// entry becomes a presentation for <see cref="AccessService"/>, input changes drive the door, and readers going
/// offline or coming back are recorded. The first reader configured for a door drives its strike and inputs;
/// further readers of the same door (the exit side) only present credentials and show decisions.
/// Presentations are handled one at a time per reader, in the order the reader sent them, and readers do not
/// wait for each other.
/// </summary>
public sealed class OsdpReaders : BackgroundService, IReaderStatusSource
{
    private readonly IReadOnlyList<(OsdpBus Bus, IReadOnlyDictionary<byte, OsdpReader> Readers)> _buses;
    private readonly DoorRegistry _doors;
    private readonly AccessService _access;
    private readonly IEventRecorder _recorder;
    private readonly TimeProvider _time;
    private readonly TimeSpan _pinEntry;
    private readonly ILogger<OsdpReaders> _log;

    public OsdpReaders(
        IReadOnlyList<OsdpBus> buses,
        IReadOnlyList<OsdpBusOptions> options,
        DoorRegistry doors,
        GrantCache cache,
        AccessService access,
        IEventRecorder recorder,
        TimeProvider time,
        TimeSpan pinEntry,
        ILogger<OsdpReaders> log)
    {
        _access = access;
        _recorder = recorder;
        _time = time;
        _pinEntry = pinEntry;
        _log = log;
        _doors = doors;
        var list = new List<(OsdpBus, IReadOnlyDictionary<byte, OsdpReader>)>();
        for (var i = 0; i < buses.Count; i++)
        {
            var readers = new Dictionary<byte, OsdpReader>();
            foreach (var reader in options[i].Readers)
            {
                var doorId = reader.DoorId;
                readers.Add(reader.Address, new OsdpReader(buses[i], options[i].PortName, reader, log)
                {
                    GrantedLedTime = () => cache.Index.TryGetDoor(doorId, out var policy) ? policy.UnlockDuration : DoorPolicy.DefaultUnlock,
                    PinEntryTime = pinEntry,
                });
            }

            list.Add((buses[i], readers));
        }

        _buses = list;
    }

    public IReadOnlyList<OsdpBus> Buses => [.. _buses.Select(b => b.Bus)];

    /// <summary>The bus and configured address of the reader named <paramref name="readerId"/> (e.g. "ttyUSB0:3"), or null.</summary>
    public (OsdpBus Bus, byte Address)? Find(string readerId) =>
        _buses.SelectMany(b => b.Readers.Values.Select(r => (b.Bus, Reader: r)))
            .Where(x => x.Reader.ReaderId == readerId)
            .Select(x => ((OsdpBus, byte)?)(x.Bus, x.Reader.Address))
            .FirstOrDefault();

    public IReadOnlyCollection<ReaderStatus> Readers =>
    [
        .. _buses.SelectMany(b =>
        {
            var status = b.Bus.GetStatus();
            return status.Readers.Select(pd => new ReaderStatus(
                b.Readers[pd.Address].ReaderId,
                pd.DoorId,
                pd.Online,
                pd.LastReplyAt,
                pd.SecureChannelConfigured ? pd.SecureChannelActive : null,
                pd.LastError ?? (status.PortOpen ? null : status.PortError),
                pd.LastError is null ? (status.PortOpen ? null : PdErrorKind.PortError) : pd.LastErrorKind,
                pd.RejectedFrames));
        }),
    ];

    /// <summary>
    /// Registers the readers, and as door hardware each door's first reader unless the door is wired otherwise
    /// (GPIO starts before this), before the door control takes the doors over.
    /// </summary>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var reader in _buses.SelectMany(b => b.Readers.Values))
        {
            _doors.AddReader(reader);
            if (!_doors.TryGetDoor(reader.DoorId, out _))
            {
                _doors.AddDoor(reader);
            }
        }

        return base.StartAsync(cancellationToken);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(_buses.Select(b => Task.WhenAll(b.Bus.RunAsync(stoppingToken), RouteAsync(b.Bus, b.Readers, stoppingToken))));

    /// <summary>Hands each bus event to its reader's own queue, so one slow door never holds up the next.</summary>
    private async Task RouteAsync(OsdpBus bus, IReadOnlyDictionary<byte, OsdpReader> readers, CancellationToken stoppingToken)
    {
        var queues = readers.ToDictionary(r => r.Key, _ => Channel.CreateUnbounded<PdEvent>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true }));
        var workers = readers.Select(r => ServeReaderAsync(r.Value, queues[r.Key].Reader, stoppingToken)).ToList();
        try
        {
            await foreach (var pdEvent in bus.Events.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                if (queues.TryGetValue(pdEvent.Address, out var queue))
                {
                    queue.Writer.TryWrite(pdEvent);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The edge is stopping; the workers finish with their queues below.
        }
        finally
        {
            foreach (var queue in queues.Values)
            {
                queue.Writer.TryComplete();
            }
        }

        await Task.WhenAll(workers).ConfigureAwait(false);
    }

    private async Task ServeReaderAsync(OsdpReader reader, ChannelReader<PdEvent> events, CancellationToken stoppingToken)
    {
        // A card at a card-and-PIN door waits here for its PIN.
        (CardKey Card, DateTimeOffset Until)? awaitingPin = null;
        await foreach (var pdEvent in events.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
        {
            try
            {
                switch (pdEvent)
                {
                    case CardPresented card:
                        var key = ToCardKey(card.Card);
                        var decision = await DecideAsync(Presentation.ForCard(reader.DoorId, reader.ReaderId, key.FacilityCode, key.CardNumber), stoppingToken).ConfigureAwait(false);
                        awaitingPin = decision.Reason == DecisionReason.PinRequired ? (key, _time.GetUtcNow() + _pinEntry) : null;
                        break;
                    case KeypadEntered keypad:
                        var presentation = awaitingPin is { } pending && _time.GetUtcNow() <= pending.Until
                            ? Presentation.ForCardAndPin(reader.DoorId, reader.ReaderId, pending.Card.FacilityCode, pending.Card.CardNumber, keypad.Digits)
                            : Presentation.ForPin(reader.DoorId, reader.ReaderId, keypad.Digits);
                        awaitingPin = null;
                        await DecideAsync(presentation, stoppingToken).ConfigureAwait(false);
                        break;
                    case InputChanged input:
                        reader.OnInput(input.Input, input.Active);
                        break;
                    case PdOnlineChanged online:
                        awaitingPin = null;
                        await RecordOnlineAsync(reader, online).ConfigureAwait(false);
                        break;
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // AccessService has logged it and kept the door shut; the reader goes on with the next person.
                _log.LogError(ex, "Reader {ReaderId} at door {DoorId}: could not handle {Event}", reader.ReaderId, reader.DoorId, pdEvent.GetType().Name);
            }
        }
    }

    private async Task<Decision> DecideAsync(Presentation presentation, CancellationToken stoppingToken) =>
        await _access.HandleAsync(presentation, stoppingToken).ConfigureAwait(false);

    private async Task RecordOnlineAsync(OsdpReader reader, PdOnlineChanged online)
    {
        if (online.Online)
        {
            _log.LogInformation("Reader {ReaderId} at door {DoorId} is online", reader.ReaderId, reader.DoorId);
        }
        else
        {
            _log.LogWarning("Reader {ReaderId} at door {DoorId} stopped answering", reader.ReaderId, reader.DoorId);
        }

        var kind = online.Online ? EdgeEventKind.ReaderOnline : EdgeEventKind.ReaderOffline;
        await _recorder.AppendAsync(new EdgeEvent(kind, online.At, reader.DoorId) { ReaderId = reader.ReaderId }, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>
    /// The hub keeps a card as (facility code, card number): H10301 cards by their two fields, every other
    /// format as facility 0 and the whole number (docs/EDGE.md, "Card numbers").
    /// </summary>
    public static CardKey ToCardKey(CardRead card)
    {
        ArgumentNullException.ThrowIfNull(card);
        return card is { Format: CardFormat.H10301, FacilityCode: { } facility, CardNumber: { } number }
            ? new CardKey((uint)facility, (ulong)number)
            : new CardKey(0, card.Number);
    }
}
