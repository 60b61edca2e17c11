using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace Acd.ThreeCx.Tests.StandIn;

/// <summary>
/// The stand-in PBX's calls, as THREECX.md describes 3CX v20: participants per DN, the state rules of each action,
/// events that carry no data. Test helpers play the other side (callers, agents' phones, a flaky network).
/// </summary>
public sealed partial class StandInPbx(TimeProvider time)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, StandInDn> _dns = new(StringComparer.Ordinal);
    private readonly Dictionary<int, StandInLeg> _legs = [];
    private readonly Dictionary<int, TaskCompletionSource<bool>> _routeWaits = [];
    private int _nextId = 8100;
    private int _nextCall = 1260;

    public ConcurrentDictionary<int, byte[]> CallerAudio { get; } = new();

    public ConcurrentDictionary<int, MemoryStream> ReceivedAudio { get; } = new();

    public ConcurrentDictionary<int, TaskCompletionSource<byte[]>> UploadsCompleted { get; } = new();

    public TimeProvider Time => time;

    public void AddDn(string dn, string type, params string[] deviceIds)
    {
        lock (_gate)
        {
            _dns[dn] = new StandInDn(dn, type, deviceIds);
        }
    }

    public JsonArray Snapshot()
    {
        lock (_gate)
        {
            return new JsonArray(_dns.Values.OrderBy(d => d.Dn, StringComparer.Ordinal).Select(d => (JsonNode)DnJson(d)).ToArray());
        }
    }

    public JsonObject? Dn(string dn)
    {
        lock (_gate)
        {
            return _dns.TryGetValue(dn, out var info) ? DnJson(info) : null;
        }
    }

    public JsonArray? Devices(string dn)
    {
        lock (_gate)
        {
            return _dns.TryGetValue(dn, out var info) ? DevicesJson(info) : null;
        }
    }

    public JsonArray? Participants(string dn)
    {
        lock (_gate)
        {
            return _dns.ContainsKey(dn) ? new JsonArray(LegsOf(dn).Select(l => (JsonNode)l.ToJson()).ToArray()) : null;
        }
    }

    public JsonObject? Participant(string dn, int id)
    {
        lock (_gate)
        {
            return _legs.TryGetValue(id, out var leg) && leg.Dn == dn ? leg.ToJson() : null;
        }
    }

    public bool Exists(string dn, int id)
    {
        lock (_gate)
        {
            return _legs.TryGetValue(id, out var leg) && leg.Dn == dn;
        }
    }

    public StandInLeg? Leg(int id)
    {
        lock (_gate)
        {
            return _legs.GetValueOrDefault(id);
        }
    }

    public IReadOnlyList<StandInLeg> LegsOn(string dn)
    {
        lock (_gate)
        {
            return LegsOf(dn).ToArray();
        }
    }

    private JsonObject DnJson(StandInDn info) => new()
    {
        ["dn"] = info.Dn,
        ["type"] = info.Type,
        ["devices"] = DevicesJson(info),
        ["participants"] = new JsonArray(LegsOf(info.Dn).Select(l => (JsonNode)l.ToJson()).ToArray()),
    };

    private static JsonArray DevicesJson(StandInDn info) =>
        new(info.DeviceIds.Select(d => (JsonNode)new JsonObject { ["dn"] = info.Dn, ["device_id"] = d, ["user_agent"] = "Yealink T54W" }).ToArray());

    private IEnumerable<StandInLeg> LegsOf(string dn) => _legs.Values.Where(l => l.Dn == dn).OrderBy(l => l.Id);

    /// <summary>Fired for each event the PBX pushes: (event_type, entity, attached_data).</summary>
    public event Action<int, string, JsonObject?>? Event;

    private void Upserted(StandInLeg leg) => Event?.Invoke(0, Entity(leg.Dn, leg.Id), null);

    private void Removed(string dn, int id) => Event?.Invoke(1, Entity(dn, id), null);

    public static string Entity(string dn, int id) => $"/callcontrol/{dn}/participants/{id}";

    private StandInLeg NewLeg(string dn, string status, int callId, Action<StandInLeg> fill)
    {
        var leg = new StandInLeg { Id = ++_nextId, Dn = dn, Status = status, CallId = callId, LegId = _legs.Values.Count(l => l.CallId == callId) + 1 };
        fill(leg);
        _legs[leg.Id] = leg;
        return leg;
    }

    private string TypeOf(string dn) => _dns.TryGetValue(dn, out var info) ? info.Type : "None";
}
