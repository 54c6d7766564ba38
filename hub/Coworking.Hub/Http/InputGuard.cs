using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Coworking.Hub.Http;

/// <summary>
/// What every value entering the API must be, checked in one place before a handler runs (docs/API.md, "Input rules"):
/// text without control characters (tab, line feed and carriage return aside) or unpaired surrogates and at most
/// <see cref="MaxTextLength"/> characters; instants and dates from <see cref="Earliest"/> to <see cref="Latest"/>; instants
/// in any offset, handled as UTC. Bodies are checked by the JSON converters below (and duplicate keys refused by the
/// serializer options), route and query values by <see cref="Filter"/>. A refusal is a 400 naming the field.
/// </summary>
internal static class InputGuard
{
    public const int MaxTextLength = 4096;

    public static readonly DateTimeOffset Earliest = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static readonly DateTimeOffset Latest = new(2100, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static readonly DateOnly EarliestDate = DateOnly.FromDateTime(Earliest.UtcDateTime);

    public static readonly DateOnly LatestDate = DateOnly.FromDateTime(Latest.UtcDateTime);

    /// <summary>The JSON options every body is read with.</summary>
    public static void Configure(JsonSerializerOptions json)
    {
        json.AllowDuplicateProperties = false;
        json.Converters.Add(new TextConverter());
        json.Converters.Add(new InstantConverter());
        json.Converters.Add(new DateConverter());
    }

    /// <summary>
    /// The guard's converters hide from the OpenAPI generator what they read, which would leave text, instants and
    /// dates without a type in the document; this gives them theirs back.
    /// </summary>
    public static Task DescribeInOpenApi(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        var type = context.JsonTypeInfo.Type;
        var nullable = Nullable.GetUnderlyingType(type) is not null;
        (JsonSchemaType? kind, string? format) = (Nullable.GetUnderlyingType(type) ?? type) switch
        {
            var t when t == typeof(string) => (JsonSchemaType.String, null),
            var t when t == typeof(DateTimeOffset) => (JsonSchemaType.String, "date-time"),
            var t when t == typeof(DateOnly) => (JsonSchemaType.String, "date"),
            _ => ((JsonSchemaType?)null, (string?)null),
        };
        if (kind is { } found && schema.Type is null && schema.OneOf is null && schema.AnyOf is null)
        {
            schema.Type = nullable ? found | JsonSchemaType.Null : found;
            schema.Format ??= format;
        }

        return Task.CompletedTask;
    }

    /// <summary>Why <paramref name="text"/> is refused, or null when it is acceptable.</summary>
    public static string? TextProblem(string text)
    {
        if (text.Length > MaxTextLength)
        {
            return $"must be at most {MaxTextLength} characters";
        }

        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsControl(c) && c is not ('\t' or '\n' or '\r'))
            {
                return $"must not contain control characters (U+{(int)c:X4} at position {i})";
            }

            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return $"must be valid Unicode (an unpaired surrogate at position {i})";
            }
        }

        return null;
    }

    public static string? InstantProblem(DateTimeOffset value) =>
        value < Earliest || value >= Latest ? "must be an instant from 2000-01-01 to 2099-12-31 (UTC)" : null;

    public static string? DateProblem(DateOnly value) =>
        value < EarliestDate || value >= LatestDate ? "must be a date from 2000-01-01 to 2099-12-31" : null;

    /// <summary>
    /// Checks the route and query values of an endpoint (text, instants, dates) and hands instants on in UTC, so every
    /// <c>from</c>/<c>to</c> works in any offset; a refused value is a 400 naming the parameter.
    /// </summary>
    public static EndpointFilterDelegate Filter(EndpointFilterFactoryContext context, EndpointFilterDelegate next)
    {
        var checkedParameters = context.MethodInfo.GetParameters()
            .Select((parameter, index) => (parameter, index, name: NameOf(parameter)))
            .Where(p => p.name is not null && Checked(p.parameter.ParameterType))
            .ToArray();
        if (checkedParameters.Length == 0)
        {
            return next;
        }

        return async invocation =>
        {
            var errors = new ValidationErrors();
            foreach (var (_, index, name) in checkedParameters)
            {
                switch (invocation.Arguments[index])
                {
                    case string text when TextProblem(text) is { } problem:
                        errors.Add(name!, problem);
                        break;
                    case DateTimeOffset instant when InstantProblem(instant) is { } problem:
                        errors.Add(name!, problem);
                        break;
                    case DateTimeOffset instant:
                        invocation.Arguments[index] = instant.ToUniversalTime();
                        break;
                    case DateOnly date when DateProblem(date) is { } problem:
                        errors.Add(name!, problem);
                        break;
                }
            }

            return errors.Any ? errors.ToProblem() : await next(invocation);
        };
    }

    private static bool Checked(Type type) =>
        (Nullable.GetUnderlyingType(type) ?? type) is var t && (t == typeof(string) || t == typeof(DateTimeOffset) || t == typeof(DateOnly));

    /// <summary>The name a client gives the parameter in the route or query, or null for what is not one (body, services).</summary>
    private static string? NameOf(ParameterInfo parameter)
    {
        if (parameter.GetCustomAttribute<FromQueryAttribute>() is { } query)
        {
            return query.Name ?? parameter.Name;
        }

        if (parameter.GetCustomAttribute<FromRouteAttribute>() is { } route)
        {
            return route.Name ?? parameter.Name;
        }

        if (parameter.GetCustomAttribute<FromHeaderAttribute>() is { } header)
        {
            return header.Name ?? parameter.Name;
        }

        return parameter.GetCustomAttributes().Any(a => a is FromBodyAttribute or FromServicesAttribute) ? null : parameter.Name;
    }

    /// <summary>A value in a body that the rules refuse; the handler for bad bodies answers its message at its path.</summary>
    internal sealed class RefusedInputException(string message) : JsonException(message);

    private sealed class TextConverter : JsonConverter<string>
    {
        public override bool HandleNull => false;

        public override string Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType != JsonTokenType.String)
            {
                throw new RefusedInputException("must be a string");
            }

            string text;
            try
            {
                text = reader.GetString()!;
            }
            catch (InvalidOperationException)
            {
                throw new RefusedInputException("must be valid Unicode");
            }

            return TextProblem(text) is { } problem ? throw new RefusedInputException(problem) : text;
        }

        public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
    }

    private sealed class InstantConverter : JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType != JsonTokenType.String || !reader.TryGetDateTimeOffset(out var value))
            {
                throw new RefusedInputException("must be an ISO 8601 instant with an offset, e.g. 2026-03-02T09:00:00Z");
            }

            return InstantProblem(value) is { } problem ? throw new RefusedInputException(problem) : value.ToUniversalTime();
        }

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) => writer.WriteStringValue(value);
    }

    private sealed class DateConverter : JsonConverter<DateOnly>
    {
        public override DateOnly Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType != JsonTokenType.String
                || !DateOnly.TryParseExact(reader.GetString(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var value))
            {
                throw new RefusedInputException("must be a date like 2026-03-02");
            }

            return DateProblem(value) is { } problem ? throw new RefusedInputException(problem) : value;
        }

        public override void Write(Utf8JsonWriter writer, DateOnly value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
    }
}
