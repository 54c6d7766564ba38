using System.Data;
using Dapper;

namespace Coworking.Hub.Database;

/// <summary>How Dapper maps the hub's columns: snake_case names, timestamptz as UTC DateTimeOffset.</summary>
internal static class DapperSetup
{
    private static int configured;

    public static void Configure()
    {
        if (Interlocked.Exchange(ref configured, 1) == 1)
        {
            return;
        }

        DefaultTypeMap.MatchNamesWithUnderscores = true;
        SqlMapper.AddTypeHandler(new UtcDateTimeOffsetHandler());
    }

    private sealed class UtcDateTimeOffsetHandler : SqlMapper.TypeHandler<DateTimeOffset>
    {
        // Npgsql writes timestamptz only from UTC values; readers get DateTime of kind Utc.
        public override void SetValue(IDbDataParameter parameter, DateTimeOffset value) => parameter.Value = value.ToUniversalTime();

        public override DateTimeOffset Parse(object value) => value switch
        {
            DateTime dt => new DateTimeOffset(DateTime.SpecifyKind(dt, DateTimeKind.Utc)),
            DateTimeOffset dto => dto,
            _ => throw new DataException($"cannot read {value.GetType()} as DateTimeOffset"),
        };
    }
}
