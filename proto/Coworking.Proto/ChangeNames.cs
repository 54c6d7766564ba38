namespace Coworking.Proto.V1;

/// <summary>How a <see cref="Change"/> is named in the hub's change log (its kind and entity columns).</summary>
public static class ChangeNames
{
    /// <summary>
    /// The change log's entity column: what the entry is about, the same for an entity's upsert and its removal (e.g.
    /// "credential:&lt;id&gt;" for both a credential and its revocation), so an entity's newest entry is one index
    /// lookup for snapshots and compaction.
    /// </summary>
    public static string Entity(Change change) => change.KindCase switch
    {
        Change.KindOneofCase.Location => "location",
        Change.KindOneofCase.Door => $"door:{change.Door.DoorId}",
        Change.KindOneofCase.DoorRemoved => $"door:{change.DoorRemoved.DoorId}",
        Change.KindOneofCase.Holder => $"holder:{change.Holder.HolderId}",
        Change.KindOneofCase.HolderRemoved => $"holder:{change.HolderRemoved.HolderId}",
        Change.KindOneofCase.Credential => $"credential:{change.Credential.CredentialId}",
        Change.KindOneofCase.CredentialRevoked => $"credential:{change.CredentialRevoked.CredentialId}",
        Change.KindOneofCase.Grant => $"grant:{change.Grant.GrantId}",
        Change.KindOneofCase.GrantRemoved => $"grant:{change.GrantRemoved.GrantId}",
        Change.KindOneofCase.DoorControl => "door_control",
        Change.KindOneofCase.Sensor => $"sensor:{change.Sensor.SensorId}",
        Change.KindOneofCase.SensorRemoved => $"sensor:{change.SensorRemoved.SensorId}",
        Change.KindOneofCase.VendorAccount => $"vendor_account:{change.VendorAccount.Vendor}",
        Change.KindOneofCase.SensorGateway => $"sensor_gateway:{change.SensorGateway.GatewayId}",
        Change.KindOneofCase.SensorGatewayRemoved => $"sensor_gateway:{change.SensorGatewayRemoved.GatewayId}",
        _ => throw new ArgumentOutOfRangeException(nameof(change), change.KindCase, "a change must say what changed"),
    };

    /// <summary>The change log's kind column: the oneof case in snake_case, e.g. "credential_revoked".</summary>
    public static string Kind(Change.KindOneofCase kind) => kind switch
    {
        Change.KindOneofCase.Location => "location",
        Change.KindOneofCase.Door => "door",
        Change.KindOneofCase.DoorRemoved => "door_removed",
        Change.KindOneofCase.Holder => "holder",
        Change.KindOneofCase.HolderRemoved => "holder_removed",
        Change.KindOneofCase.Credential => "credential",
        Change.KindOneofCase.CredentialRevoked => "credential_revoked",
        Change.KindOneofCase.Grant => "grant",
        Change.KindOneofCase.GrantRemoved => "grant_removed",
        Change.KindOneofCase.DoorControl => "door_control",
        Change.KindOneofCase.Sensor => "sensor",
        Change.KindOneofCase.SensorRemoved => "sensor_removed",
        Change.KindOneofCase.VendorAccount => "vendor_account",
        Change.KindOneofCase.SensorGateway => "sensor_gateway",
        Change.KindOneofCase.SensorGatewayRemoved => "sensor_gateway_removed",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "a change must say what changed"),
    };
}
