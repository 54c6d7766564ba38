namespace Coworking.Sim.Sensors;

/// <summary>
/// The "day" part of the sensors section: the sensors play a working day by themselves. <c>timeZone</c> is the building's;
/// <c>speed</c> is how many simulated seconds pass per real second (1 plays the real day; 60 plays an hour a minute, from
/// <c>startAt</c> local time of today); <c>noShowShare</c> of the sensors stay empty all day (booked rooms nobody comes to),
/// <c>ghostShare</c> are used in the evening too (rooms used with nobody's booking); <c>seed</c> makes it repeatable.
/// </summary>
internal sealed record SimDayOptions
{
    public string TimeZone { get; init; } = "Europe/London";

    public double Speed { get; init; } = 1;

    public string? StartAt { get; init; }

    public double NoShowShare { get; init; } = 0.15;

    public double GhostShare { get; init; } = 0.15;

    public int Seed { get; init; } = 18;

    public int TickSeconds { get; init; } = 5;

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Speed is <= 0 or > 3600)
        {
            errors.Add("sensors.day.speed must be above 0 and at most 3600");
        }

        if (NoShowShare is < 0 or > 1 || GhostShare is < 0 or > 1)
        {
            errors.Add("sensors.day.noShowShare and ghostShare must be 0-1");
        }

        if (TickSeconds is < 1 or > 3600)
        {
            errors.Add("sensors.day.tickSeconds must be 1-3600");
        }

        if (StartAt is not null && !TimeOnly.TryParse(StartAt, System.Globalization.CultureInfo.InvariantCulture, out _))
        {
            errors.Add("sensors.day.startAt must be a time such as 07:30");
        }

        try
        {
            TimeZoneInfo.FindSystemTimeZoneById(TimeZone);
        }
        catch (TimeZoneNotFoundException)
        {
            errors.Add("sensors.day.timeZone must be an IANA time zone");
        }

        return errors;
    }
}

/// <summary>What a sensor senses at one local time of one day.</summary>
internal sealed record DayState(bool Occupied, int Count, double Co2);

/// <summary>
/// A working day of one space, worked out from the seed, the sensor's name and the date alone (so it is the same every
/// time it is asked): people arrive between 8 and 10, most go to lunch for half an hour to an hour between 12 and 14
/// (the lunch dip), and leave between 17 and 19. A no-show space stays empty all day; a ghost one is used again for a
/// while between 19 and 21. Counters count the people in; CO2 rises with them from 420 ppm. Weekends are empty.
/// </summary>
internal static class SimulatedDay
{
    public const double OutdoorCo2 = 420;

    public static DayState At(SimDayOptions options, string sensor, string kind, DateOnly date, TimeOnly time)
    {
        if (date.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday)
        {
            return new DayState(false, 0, OutdoorCo2);
        }

        var random = new Random(HashCode.Combine(options.Seed, Stable(sensor), date.DayNumber));
        var noShow = random.NextDouble() < options.NoShowShare;
        var ghost = random.NextDouble() < options.GhostShare;
        var people = kind == "counter" ? random.Next(3, 12) : random.Next(1, 5);
        var minute = (time.Hour * 60) + time.Minute;
        var present = 0;
        for (var person = 0; person < people; person++)
        {
            var arrives = random.Next(8 * 60, 10 * 60);
            var leaves = random.Next(17 * 60, 19 * 60);
            var lunches = random.NextDouble() < 0.8;
            var lunchFrom = random.Next(12 * 60, (13 * 60) + 30);
            var lunchFor = random.Next(30, 61);
            var inLunch = lunches && minute >= lunchFrom && minute < lunchFrom + lunchFor;
            if (!noShow && minute >= arrives && minute < leaves && !inLunch)
            {
                present++;
            }
        }

        if (ghost)
        {
            var from = random.Next(19 * 60, 20 * 60);
            var length = random.Next(20, 61);
            if (minute >= from && minute < from + length)
            {
                present = Math.Max(present, 1);
            }
        }

        return new DayState(present > 0, present, OutdoorCo2 + (present * 120));
    }

    /// <summary>The sim's clock on the building's wall: today from <see cref="SimDayOptions.StartAt"/> at <see cref="SimDayOptions.Speed"/>, or the real local time.</summary>
    public static DateTime LocalNow(SimDayOptions options, DateTimeOffset startedAt, DateTimeOffset now)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(options.TimeZone);
        var startLocal = TimeZoneInfo.ConvertTime(startedAt, zone).DateTime;
        if (options.StartAt is { } start)
        {
            startLocal = startLocal.Date + TimeOnly.Parse(start, System.Globalization.CultureInfo.InvariantCulture).ToTimeSpan();
        }

        return startLocal + TimeSpan.FromSeconds((now - startedAt).TotalSeconds * options.Speed);
    }

    private static int Stable(string text)
    {
        var hash = 17;
        foreach (var c in text)
        {
            hash = unchecked((hash * 31) + c);
        }

        return hash;
    }
}

/// <summary>
/// Plays <see cref="SimulatedDay"/> on the sensors every TickSeconds: each sensor not taken over by the control API is
/// set to what the day says it senses now, and published when that changed.
/// </summary>
internal sealed class SensorDayPlayer(SensorSimOptions options, SensorDirectory directory, SensorPublisher publisher, TimeProvider time, ILogger<SensorDayPlayer> log)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var day = options.Day!;
        var startedAt = time.GetUtcNow();
        log.LogInformation("Sensors play a working day in {TimeZone} at {Speed}× speed", day.TimeZone, day.Speed);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(day.TickSeconds), time);
        do
        {
            var local = SimulatedDay.LocalNow(day, startedAt, time.GetUtcNow());
            foreach (var sensor in directory.Sensors.Where(s => !s.TakenOver))
            {
                var state = SimulatedDay.At(day, sensor.Name, sensor.Options.Kind, DateOnly.FromDateTime(local), TimeOnly.FromDateTime(local));
                if (sensor.Set(state.Occupied, sensor.Options.Kind == "counter" ? state.Count : null, state.Co2, alive: null))
                {
                    publisher.Publish(sensor);
                }
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
