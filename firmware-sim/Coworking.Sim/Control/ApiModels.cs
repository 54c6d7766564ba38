namespace Coworking.Sim.Control;

/// <summary>POST /doors/{doorId}/badge: a card ("digits" or "facility:number") or raw "bits", and/or a PIN.</summary>
internal sealed record BadgeRequest(string? Card, string? Pin, string? Bits);

/// <summary>POST /doors/{doorId}/contact.</summary>
internal sealed record ContactRequest(bool? Open);

/// <summary>POST /doors/{doorId}/faults: the complete fault set; a missing field is off.</summary>
internal sealed record FaultsRequest(bool? NoReply, bool? BadCrc, int? SlowReplyMs, bool? Garbage, bool? Busy, byte? WrongSecurityBlockType);

/// <summary>GET /healthz.</summary>
internal sealed record HealthView(string Status, int Buses, int Readers, bool Stripe);
