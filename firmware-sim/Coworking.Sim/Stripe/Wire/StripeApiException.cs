using System.Text.Json.Nodes;

namespace Coworking.Sim.Stripe.Wire;

/// <summary>
/// A request Stripe refuses before it changes anything, answered as {"error": {...}} with Stripe's HTTP status,
/// type, code and param.
/// </summary>
internal sealed class StripeApiException : Exception
{
    public StripeApiException()
        : this(500, "api_error", "An unknown error occurred.", null, null)
    {
    }

    public StripeApiException(string message)
        : this(400, "invalid_request_error", message, null, null)
    {
    }

    public StripeApiException(string message, Exception innerException)
        : base(message, innerException)
    {
        Status = 500;
        Type = "api_error";
    }

    public StripeApiException(int status, string type, string message, string? code, string? param)
        : base(message)
    {
        Status = status;
        Type = type;
        Code = code;
        Param = param;
    }

    public int Status { get; }

    public string Type { get; }

    public string? Code { get; }

    public string? Param { get; }

    public static StripeApiException InvalidRequest(string message, string? param = null, string? code = null) =>
        new(400, "invalid_request_error", message, code, param);

    public static StripeApiException Missing(string param) =>
        new(400, "invalid_request_error", $"Missing required param: {param}.", "parameter_missing", param);

    public static StripeApiException Unknown(string param) =>
        new(400, "invalid_request_error", $"Received unknown parameter: {param}", "parameter_unknown", param);

    public static StripeApiException NoSuch(string kind, string id, string param = "id") =>
        new(404, "invalid_request_error", $"No such {kind}: '{id}'", "resource_missing", param);

    public static StripeApiException UnexpectedState(string message) =>
        new(400, "invalid_request_error", message, "payment_intent_unexpected_state", null);

    public static StripeApiException Idempotency(string message, int status = 400) =>
        new(status, "idempotency_error", message, null, null);

    public JsonObject ToError()
    {
        var error = new JsonObject();
        if (Code is not null)
        {
            error["code"] = Code;
            error["doc_url"] = StripeErrors.DocUrl(Code);
        }

        error["message"] = Message;
        if (Param is not null)
        {
            error["param"] = Param;
        }

        error["type"] = Type;
        return error;
    }
}
