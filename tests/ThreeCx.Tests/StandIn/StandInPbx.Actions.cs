using System.Text.Json.Nodes;

namespace Acd.ThreeCx.Tests.StandIn;

// The participant actions and makecall with THREECX.md's state rules, and the helpers that play callers and phones.
public sealed partial class StandInPbx
{
    public const int DefaultRouteTimeoutSeconds = 30;

    public async Task<(int Status, JsonObject Body)> ActAsync(string dn, int id, string action, JsonObject? request)
    {
        var destination = request?["destination"]?.GetValue<string>();
        Task<bool> wait;
        StandInLeg leg;
        StandInLeg target;
        lock (_gate)
        {
            if (!_legs.TryGetValue(id, out var found) || found.Dn != dn)
            {
                return (404, Result("Failure", "ParticipantNotFound", null));
            }

            leg = found;
            switch (action)
            {
                case "drop":
                    _legs.Remove(id);
                    Removed(dn, id);
                    return (200, Result("Success", null, leg));
                case "answer":
                    if (TypeOf(dn) != "Wroutepoint" && !leg.DirectControl)
                    {
                        return (400, Result("Failure", "answer is only for route point participants or direct_control", leg));
                    }

                    if (leg.Status != "Ringing")
                    {
                        return (400, Result("Failure", "not ringing", leg));
                    }

                    leg.Status = "Connected";
                    Upserted(leg);
                    return (200, Result("Success", null, leg));
                case "divert":
                    if (leg.Status != "Ringing")
                    {
                        return (400, Result("Failure", "divert is only possible while ringing", leg));
                    }

                    if (string.IsNullOrEmpty(destination))
                    {
                        return (400, Result("Failure", "no destination", leg));
                    }

                    _legs.Remove(id);
                    Removed(dn, id);
                    RingAt(destination, leg, referredBy: dn);
                    return (200, Result("Success", null, leg));
                case "transferto":
                    if (leg.Status != "Connected")
                    {
                        return (400, Result("Failure", "transferto is only possible when connected", leg));
                    }

                    if (string.IsNullOrEmpty(destination))
                    {
                        return (400, Result("Failure", "no destination", leg));
                    }

                    _legs.Remove(id);
                    Removed(dn, id);
                    RingAt(destination, leg, referredBy: dn);
                    return (200, Result("Success", null, leg));
                case "attach_participant_data":
                    return (200, Result("Success", null, leg));
                case "routeto":
                    if (leg.Status is not ("Ringing" or "Connected"))
                    {
                        return (400, Result("Failure", "routeto needs a ringing or connected participant", leg));
                    }

                    if (string.IsNullOrEmpty(destination) || !_dns.ContainsKey(destination))
                    {
                        return (200, Result("Failure", "destination unreachable", leg));
                    }

                    target = RingAt(destination, leg, referredBy: dn)!;
                    var done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                    _routeWaits[target.Id] = done;
                    wait = done.Task;
                    break;
                default:
                    return (400, Result("Failure", $"unknown action {action}", leg));
            }
        }

        // routeto: the answer waits until the destination answers, declines or rings out (THREECX.md: "completes only when delivered or failed").
        var seconds = request?["timeout"]?.GetValue<int>() is int t and > 0 ? t : DefaultRouteTimeoutSeconds;
        using var timer = time.CreateTimer(_ => RingOut(target.Id), null, TimeSpan.FromSeconds(seconds), Timeout.InfiniteTimeSpan);
        var delivered = await wait;
        lock (_gate)
        {
            _routeWaits.Remove(target.Id);
            return delivered
                ? (200, Result("Success", null, leg))
                : (200, Result("Failure", "destination did not answer", _legs.GetValueOrDefault(leg.Id) ?? leg));
        }
    }

    public (int Status, JsonObject Body) MakeCall(string dn, string? deviceId, JsonObject? request)
    {
        var destination = request?["destination"]?.GetValue<string>();
        lock (_gate)
        {
            if (!_dns.TryGetValue(dn, out var info) || (deviceId is not null && !info.DeviceIds.Contains(deviceId)))
            {
                return (404, Result("Failure", "no such DN or device", null));
            }

            if (string.IsNullOrEmpty(destination))
            {
                return (400, Result("Failure", "no destination", null));
            }

            var leg = NewLeg(dn, "Dialing", ++_nextCall, l =>
            {
                l.PartyDn = destination;
                l.PartyCallerId = destination;
                l.PartyDnType = _dns.TryGetValue(destination, out var d) ? d.Type : "Wexternalline";
                l.DeviceId = deviceId ?? info.DeviceIds.FirstOrDefault() ?? "";
                l.OriginatedByDn = dn;
                l.OriginatedByType = info.Type;
            });
            Upserted(leg);
            return (200, Result("Success", null, leg));
        }
    }

    private static JsonObject Result(string finalStatus, string? reason, StandInLeg? leg) => new()
    {
        ["finalstatus"] = finalStatus,
        ["reason"] = reason ?? "",
        ["result"] = leg?.ToJson(),
        ["reasontext"] = reason ?? "",
    };

    /// <summary>The other party of <paramref name="from"/> rings on <paramref name="dn"/> (only DNs the PBX monitors get a participant).</summary>
    private StandInLeg? RingAt(string dn, StandInLeg from, string referredBy)
    {
        if (!_dns.TryGetValue(dn, out var info))
        {
            return null;
        }

        var leg = NewLeg(dn, "Ringing", from.CallId, l =>
        {
            l.PartyCallerName = from.PartyCallerName;
            l.PartyCallerId = from.PartyCallerId;
            l.PartyDn = from.PartyDn;
            l.PartyDnType = from.PartyDnType;
            l.DeviceId = info.DeviceIds.FirstOrDefault() ?? "";
            l.ReferredByDn = referredBy;
            l.ReferredByType = TypeOf(referredBy);
        });
        Upserted(leg);
        return leg;
    }

    private void RingOut(int targetId)
    {
        lock (_gate)
        {
            if (_legs.TryGetValue(targetId, out var target) && target.Status == "Ringing")
            {
                _legs.Remove(targetId);
                Removed(target.Dn, targetId);
            }

            if (_routeWaits.Remove(targetId, out var wait))
            {
                wait.TrySetResult(false);
            }
        }
    }

    // ---- the other side: callers and phones ----

    /// <summary>An outside caller rings on a Route Point (party_did empty, as v20 sends it on inbound calls).</summary>
    public int InjectCaller(string routePoint, string callerId, string callerName)
    {
        lock (_gate)
        {
            var leg = NewLeg(routePoint, "Ringing", ++_nextCall, l =>
            {
                l.PartyCallerId = callerId;
                l.PartyCallerName = callerName;
                l.PartyDn = "10000";
                l.PartyDnType = "Wexternalline";
                l.OriginatedByDn = "10000";
                l.OriginatedByType = "Wexternalline";
            });
            Upserted(leg);
            return leg.Id;
        }
    }

    /// <summary>The phone on <paramref name="dn"/> picks up its ringing call; a routeto waiting on it succeeds.</summary>
    public int AnswerPhone(string dn)
    {
        lock (_gate)
        {
            var leg = LegsOf(dn).First(l => l.Status == "Ringing");
            leg.Status = "Connected";
            Upserted(leg);
            if (_routeWaits.Remove(leg.Id, out var wait))
            {
                wait.TrySetResult(true);
            }

            return leg.Id;
        }
    }

    /// <summary>The far end of the call <paramref name="dn"/> is dialling answers: its leg turns Connected.</summary>
    public int ConnectDialing(string dn)
    {
        lock (_gate)
        {
            var leg = LegsOf(dn).First(l => l.Status == "Dialing");
            leg.Status = "Connected";
            Upserted(leg);
            return leg.Id;
        }
    }

    /// <summary>The phone on <paramref name="dn"/> rejects its ringing call; a routeto waiting on it fails.</summary>
    public void DeclinePhone(string dn)
    {
        lock (_gate)
        {
            var leg = LegsOf(dn).First(l => l.Status == "Ringing");
            _legs.Remove(leg.Id);
            Removed(dn, leg.Id);
            if (_routeWaits.Remove(leg.Id, out var wait))
            {
                wait.TrySetResult(false);
            }
        }
    }

    /// <summary>The participant hangs up; with <paramref name="sendEvent"/> false the PBX "forgets" to tell (a missed event).</summary>
    public void HangUp(int id, bool sendEvent = true)
    {
        lock (_gate)
        {
            if (_legs.Remove(id, out var leg) && sendEvent)
            {
                Removed(leg.Dn, id);
            }
        }
    }

    /// <summary>The participant disappears for a moment, as between a queue's ring waves (Remove is sent).</summary>
    public StandInLeg Vanish(int id)
    {
        lock (_gate)
        {
            _legs.Remove(id, out var leg);
            Removed(leg!.Dn, id);
            return leg;
        }
    }

    /// <summary>A vanished participant is back (Upsert is sent).</summary>
    public void Reappear(StandInLeg leg)
    {
        lock (_gate)
        {
            _legs[leg.Id] = leg;
            Upserted(leg);
        }
    }

    /// <summary>Any event, as the socket sends it: repeated or out-of-order upserts, DTMF, events for gone entities.</summary>
    public void SendEvent(int eventType, string entity, JsonObject? attachedData = null) => Event?.Invoke(eventType, entity, attachedData);

    public void SendDtmf(string dn, int id, string digits) => SendEvent(2, Entity(dn, id), new JsonObject { ["dtmf_input"] = digits });
}
