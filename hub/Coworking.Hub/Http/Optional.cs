using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Coworking.Hub.Http;

/// <summary>
/// A property of a PATCH body: absent (<see cref="IsPresent"/> false) leaves the field as it is, present sets it to
/// <see cref="Value"/> — a JSON <c>null</c> included, which clears a nullable field. Every PATCH request of the API
/// declares its fields with this type, so "absent" and "null" never mean the same thing by accident.
/// </summary>
[JsonConverter(typeof(OptionalJsonConverterFactory))]
public readonly struct Optional<T> : IEquatable<Optional<T>>
{
    public Optional(T value)
    {
        IsPresent = true;
        Value = value;
    }

    /// <summary>Whether the body named the property (with any value, null included).</summary>
    public bool IsPresent { get; }

    /// <summary>The value given; default when absent.</summary>
    public T Value { get; }

    /// <summary>Whether the body set the property to null.</summary>
    public bool IsNull => IsPresent && Value is null;

    /// <summary>The value given, or <paramref name="current"/> when the property was absent.</summary>
    public T Or(T current) => IsPresent ? Value : current;

    public static bool operator ==(Optional<T> left, Optional<T> right) => left.Equals(right);

    public static bool operator !=(Optional<T> left, Optional<T> right) => !left.Equals(right);

    public bool Equals(Optional<T> other) => IsPresent == other.IsPresent && EqualityComparer<T>.Default.Equals(Value, other.Value);

    public override bool Equals(object? obj) => obj is Optional<T> other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(IsPresent, Value);
}

/// <summary>
/// Reads <see cref="Optional{T}"/> with the converter the options have for <c>T</c>, so the input rules
/// (<see cref="InputGuard"/>) apply to PATCH fields as to every other body field. The OpenAPI document describes an
/// optional field as its value's schema, nullable (<see cref="DescribeInOpenApi"/>).
/// </summary>
internal sealed class OptionalJsonConverterFactory : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) => typeToConvert.IsGenericType && typeToConvert.GetGenericTypeDefinition() == typeof(Optional<>);

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(OptionalConverter<>).MakeGenericType(typeToConvert.GetGenericArguments()[0]), options)!;

    /// <summary>An optional field is documented as the schema of its value, which may also be null.</summary>
    public static async Task DescribeInOpenApi(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        var type = context.JsonTypeInfo.Type;
        if (!type.IsGenericType || type.GetGenericTypeDefinition() != typeof(Optional<>))
        {
            return;
        }

        var inner = await context.GetOrCreateSchemaAsync(type.GetGenericArguments()[0], null, cancellationToken);
        if (inner is OpenApiSchema { Type: null, OneOf: null, AnyOf: null, Enum: null or { Count: 0 } } untyped && type.GetGenericArguments()[0] == typeof(string))
        {
            schema.Type = JsonSchemaType.String | JsonSchemaType.Null;
            schema.Format = untyped.Format;
        }
        else if (inner is OpenApiSchema value)
        {
            schema.Type = value.Type is { } valueType ? valueType | JsonSchemaType.Null : null;
            schema.Format = value.Format;
            schema.Enum = value.Enum;
            schema.Items = value.Items;
            schema.Properties = value.Properties;
            schema.AdditionalProperties = value.AdditionalProperties;
            schema.OneOf = value.OneOf;
            schema.AnyOf = value.AnyOf;
            schema.Pattern = value.Pattern;
        }
        else
        {
            schema.OneOf = [new OpenApiSchema { Type = JsonSchemaType.Null }, inner];
        }
    }

    private sealed class OptionalConverter<T>(JsonSerializerOptions options) : JsonConverter<Optional<T>>
    {
        private readonly JsonConverter<T> value = (JsonConverter<T>)options.GetConverter(typeof(T));

        public override bool HandleNull => true;

        public override Optional<T> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.Null && !value.HandleNull
                ? new Optional<T>(default!)
                : new Optional<T>(value.Read(ref reader, typeof(T), options)!);

        public override void Write(Utf8JsonWriter writer, Optional<T> optional, JsonSerializerOptions options)
        {
            if (optional.IsPresent && optional.Value is not null)
            {
                value.Write(writer, optional.Value, options);
            }
            else
            {
                writer.WriteNullValue();
            }
        }
    }
}
