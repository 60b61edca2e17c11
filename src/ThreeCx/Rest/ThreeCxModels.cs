using System.Text.Json;
using System.Text.Json.Serialization;

namespace Acd.ThreeCx.Rest;

/// <summary>A leg of a call on one DN, as <c>GET /callcontrol/{dn}/participants/{id}</c> returns it.</summary>
public sealed record ThreeCxParticipant
{
    [JsonPropertyName("id")] public int Id { get; init; }

    /// <summary>Ringing, Dialing or Connected.</summary>
    [JsonPropertyName("status")] public string Status { get; init; } = "";

    [JsonPropertyName("dn")] public string Dn { get; init; } = "";
    [JsonPropertyName("party_caller_name")] public string? PartyCallerName { get; init; }
    [JsonPropertyName("party_dn")] public string? PartyDn { get; init; }
    [JsonPropertyName("party_caller_id")] public string? PartyCallerId { get; init; }

    /// <summary>Empty on inbound calls in v20: the Route Point DN is what tells which number was dialled.</summary>
    [JsonPropertyName("party_did")] public string? PartyDid { get; init; }

    [JsonPropertyName("device_id")] public string? DeviceId { get; init; }
    [JsonPropertyName("party_dn_type")] public string? PartyDnType { get; init; }
    [JsonPropertyName("direct_control")] public bool DirectControl { get; init; }
    [JsonPropertyName("originated_by_dn")] public string? OriginatedByDn { get; init; }
    [JsonPropertyName("originated_by_type")] public string? OriginatedByType { get; init; }
    [JsonPropertyName("referred_by_dn")] public string? ReferredByDn { get; init; }
    [JsonPropertyName("referred_by_type")] public string? ReferredByType { get; init; }
    [JsonPropertyName("on_behalf_of_dn")] public string? OnBehalfOfDn { get; init; }
    [JsonPropertyName("on_behalf_of_type")] public string? OnBehalfOfType { get; init; }
    [JsonPropertyName("callid")] public int CallId { get; init; }
    [JsonPropertyName("legid")] public int LegId { get; init; }

    [JsonIgnore] public bool IsRinging => string.Equals(Status, ThreeCxParticipantStatus.Ringing, StringComparison.OrdinalIgnoreCase);
    [JsonIgnore] public bool IsConnected => string.Equals(Status, ThreeCxParticipantStatus.Connected, StringComparison.OrdinalIgnoreCase);
}

public static class ThreeCxParticipantStatus
{
    public const string Ringing = "Ringing";
    public const string Dialing = "Dialing";
    public const string Connected = "Connected";
}

/// <summary>The DN types 3CX names in <c>type</c> and the <c>*_type</c> fields.</summary>
public static class ThreeCxDnType
{
    public const string RoutePoint = "Wroutepoint";
    public const string Extension = "Wextension";
    public const string Queue = "Wqueue";
    public const string Ivr = "Wivr";
    public const string ExternalLine = "Wexternalline";
    public const string SpecialMenu = "Wspecialmenu";
    public const string None = "None";
}

public sealed record ThreeCxDevice
{
    [JsonPropertyName("dn")] public string Dn { get; init; } = "";
    [JsonPropertyName("device_id")] public string DeviceId { get; init; } = "";
    [JsonPropertyName("user_agent")] public string? UserAgent { get; init; }
}

/// <summary>One monitored DN with its devices and current participants (an element of the <c>GET /callcontrol</c> snapshot).</summary>
public sealed record ThreeCxDnInfo
{
    [JsonPropertyName("dn")] public string Dn { get; init; } = "";
    [JsonPropertyName("type")] public string? Type { get; init; }
    [JsonPropertyName("devices")] public IReadOnlyList<ThreeCxDevice> Devices { get; init; } = [];
    [JsonPropertyName("participants")] public IReadOnlyList<ThreeCxParticipant> Participants { get; init; } = [];
}

/// <summary>The body of a participant action (<c>POST /callcontrol/{dn}/participants/{id}/{action}</c>); unset fields are left out.</summary>
public sealed record ThreeCxActionRequest
{
    [JsonPropertyName("reason")] public string? Reason { get; init; }
    [JsonPropertyName("destination")] public string? Destination { get; init; }

    /// <summary>Seconds (for <c>routeto</c>: how long the destination rings before the action fails).</summary>
    [JsonPropertyName("timeout")] public int? Timeout { get; init; }

    [JsonPropertyName("attacheddata")] public IReadOnlyDictionary<string, string>? AttachedData { get; init; }
}

/// <summary>The body of <c>POST /callcontrol/{dn}/makecall</c> and <c>.../devices/{deviceid}/makecall</c>.</summary>
public sealed record ThreeCxMakeCallRequest
{
    [JsonPropertyName("destination")] public string Destination { get; init; } = "";
    [JsonPropertyName("reason")] public string? Reason { get; init; }
    [JsonPropertyName("timeout")] public int? Timeout { get; init; }
}

/// <summary>What an action or makecall answered: 3CX's result body, plus the HTTP status it came with.</summary>
public sealed record ThreeCxActionResult
{
    [JsonPropertyName("finalstatus")] public string? FinalStatus { get; init; }
    [JsonPropertyName("reason")] public string? Reason { get; init; }
    [JsonPropertyName("result")] public ThreeCxParticipant? Result { get; init; }
    [JsonPropertyName("reasontext")] public string? ReasonText { get; init; }

    [JsonIgnore] public int HttpStatus { get; init; }

    /// <summary>A 2xx whose final status is not a failure (3CX says "Success"; a missing status on a 2xx counts as done).</summary>
    [JsonIgnore]
    public bool Succeeded => HttpStatus is >= 200 and < 300 &&
                             (FinalStatus is null || string.Equals(FinalStatus, "Success", StringComparison.OrdinalIgnoreCase));

    /// <summary>The participant was gone (404) when the action was asked for.</summary>
    [JsonIgnore] public bool ParticipantGone => HttpStatus == 404;
}

/// <summary>The token endpoint's reply.</summary>
internal sealed record ThreeCxTokenReply
{
    [JsonPropertyName("token_type")] public string? TokenType { get; init; }
    [JsonPropertyName("expires_in")] public double? ExpiresIn { get; init; }
    [JsonPropertyName("access_token")] public string? AccessToken { get; init; }
}

internal static class ThreeCxJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowReadingFromString,
    };
}
