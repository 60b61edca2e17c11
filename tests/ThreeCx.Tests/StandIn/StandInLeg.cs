using System.Text.Json.Nodes;

namespace Acd.ThreeCx.Tests.StandIn;

/// <summary>A participant of the stand-in PBX, serialized with THREECX.md's field names (its own shape, not the connector's records).</summary>
public sealed class StandInLeg
{
    public required int Id { get; init; }
    public required string Dn { get; init; }
    public string Status { get; set; } = "Ringing";
    public string PartyCallerName { get; set; } = "";
    public string PartyDn { get; set; } = "";
    public string PartyCallerId { get; set; } = "";
    public string PartyDid { get; set; } = "";
    public string DeviceId { get; set; } = "";
    public string PartyDnType { get; set; } = "Wexternalline";
    public bool DirectControl { get; set; }
    public string OriginatedByDn { get; set; } = "";
    public string OriginatedByType { get; set; } = "";
    public string ReferredByDn { get; set; } = "";
    public string ReferredByType { get; set; } = "";
    public int CallId { get; init; }
    public int LegId { get; init; }

    public JsonObject ToJson() => new()
    {
        ["id"] = Id,
        ["status"] = Status,
        ["dn"] = Dn,
        ["party_caller_name"] = PartyCallerName,
        ["party_dn"] = PartyDn,
        ["party_caller_id"] = PartyCallerId,
        ["party_did"] = PartyDid,
        ["device_id"] = DeviceId,
        ["party_dn_type"] = PartyDnType,
        ["direct_control"] = DirectControl,
        ["originated_by_dn"] = OriginatedByDn,
        ["originated_by_type"] = OriginatedByType,
        ["referred_by_dn"] = ReferredByDn,
        ["referred_by_type"] = ReferredByType,
        ["on_behalf_of_dn"] = "",
        ["on_behalf_of_type"] = "",
        ["callid"] = CallId,
        ["legid"] = LegId,
    };
}

/// <summary>A DN the stand-in monitors, with its devices.</summary>
public sealed record StandInDn(string Dn, string Type, IReadOnlyList<string> DeviceIds);
