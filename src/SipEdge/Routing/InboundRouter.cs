using Acd.Agents;
using Acd.CallControl.Calls;
using Acd.Calls;
using Acd.Parking;
using Acd.Sip.Auth;
using Acd.Sip.Dialogs;
using Acd.Sip.Headers;
using Acd.Sip.Messages;
using Acd.Sip.Transports;
using Acd.Sip.Uris;
using Acd.SipEdge.Calls;
using Acd.SipEdge.Hosting;
using Acd.SipEdge.Registration;
using Acd.SipEdge.Relay;
using Acd.SipEdge.Trunks;
using Microsoft.Extensions.Logging;

namespace Acd.SipEdge.Routing;

/// <summary>
/// Decides what a new INVITE is: another edge's hop to one of this edge's phones, a caller for a queue (from a trusted
/// trunk, a web caller, or anyone who passed digest), a feature code, a colleague (internal call) or an outside number
/// dialled on an agent's phone, or nothing this edge serves (404). Callers of a known queue number hear 180 before any
/// grain call.
/// </summary>
internal sealed partial class InboundRouter(
    EdgeContext edge,
    DigestServer digest,
    AgentCredentialStore credentials,
    TrunkAllowList trunks,
    NumberRoutes numbers,
    RelayTokens relay,
    ILogger<InboundRouter> logger)
{
    private readonly ILogger _logger = logger;

    public async Task RouteAsync(SipIncomingCall incoming, CancellationToken cancellationToken)
    {
        var invite = incoming.Invite;
        var source = incoming.Transaction.Source;
        if (invite.Headers[EdgeHeaders.Relay] is { } token)
        {
            AcceptHop(incoming, token);
            return;
        }

        var trusted = trunks.Contains(source.Remote.Address);
        var dialled = invite.RequestUri.UserUnescaped;
        var webCaller = !trusted && edge.Options.AllowWebCallers && source.Transport is SipTransportKind.Ws or SipTransportKind.Wss
            && await numbers.ResolveAsync(dialled, cancellationToken) is not null;
        string? authenticatedUser = null;
        if (!trusted && !webCaller)
        {
            var verdict = await digest.VerifyAsync(invite, cancellationToken);
            if (verdict.Outcome != DigestVerifyOutcome.Authenticated)
            {
                incoming.Transaction.Respond(verdict.Response!);
                return;
            }

            authenticatedUser = verdict.Username;
        }

        // A known queue number rings at once, before the call grain (or anything else in the cluster) is asked.
        var queueId = numbers.Known(dialled);
        var ringing = queueId is not null;
        if (ringing)
        {
            incoming.Ring();
        }
        else
        {
            queueId = await numbers.ResolveAsync(dialled, cancellationToken);
            if (queueId is null && invite.To?.Uri.UserUnescaped is { } toUser && toUser != dialled)
            {
                dialled = toUser;
                queueId = await numbers.ResolveAsync(dialled, cancellationToken);
            }
        }

        if (queueId is null && !webCaller && invite.RequestUri.UserUnescaped is { Length: > 0 } number &&
            await CallingAgentAsync(invite, authenticatedUser) is { } agentId)
        {
            if (await FeatureCodeCallAsync(number) is { } feature)
            {
                await feature.Call.TakeFromPhoneAsync(incoming, agentId, feature.Pickup);
                return;
            }

            if (await StartInternalAsync(incoming, agentId, number))
            {
                return;
            }

            if (edge.Trunk.IsConfigured)
            {
                await StartAgentDialAsync(incoming, agentId, number);
                return;
            }
        }

        if (queueId is null || dialled is null)
        {
            LogNoRoute(invite.RequestUri.ToString(), source.Remote.ToString());
            incoming.Reject(404);
            return;
        }

        if (!ringing)
        {
            incoming.Ring();
        }

        if (edge.Media.IsAnchoring)
        {
            // What the caller will hear in line (the queue's music, announcements, language): known here, or fetched now, briefly.
            await edge.Media.Audio.Settings.EnsureAsync(queueId, cancellationToken);
        }

        var (callerNumber, callerName) = Identify(invite, trusted);
        var call = EdgeCall.Inbound(edge, CallIds.New(), queueId, dialled, incoming, callerNumber, callerName);
        edge.Calls.Add(call);
        await call.StartInboundAsync();
    }

    /// <summary>Another edge carries the call and wants one of this edge's phones rung over the flow this edge holds.</summary>
    private void AcceptHop(SipIncomingCall incoming, string token)
    {
        var invite = incoming.Invite;
        var callId = invite.Headers[EdgeHeaders.CallId] ?? "";
        var contact = invite.RequestUri.ToString();
        if (!relay.Verify(token, callId, contact))
        {
            LogHopRefused(invite.CallId ?? "-", incoming.Transaction.Source.Remote.ToString(), "bad or expired token");
            incoming.Reject(403, "Forbidden - not an edge of this cluster");
            return;
        }

        if (edge.Phones.Local(contact) is not { } binding)
        {
            LogHopRefused(invite.CallId ?? "-", incoming.Transaction.Source.Remote.ToString(), $"no live binding for {contact}");
            incoming.Reject(480, "Temporarily Unavailable - the phone's flow is gone");
            return;
        }

        var agentId = invite.To?.Uri.UserUnescaped ?? binding.Username ?? "agent";
        new RelayedCall(edge, incoming, agentId, callId).Start(binding);
    }

    /// <summary>
    /// The agent placing a call from its own phone: the digest user it authenticated as, or, from an allow-listed
    /// address (a PBX in front of the phones), the From user when that is an agent with a registered phone.
    /// </summary>
    private async Task<string?> CallingAgentAsync(SipRequest invite, string? authenticatedUser)
    {
        if (authenticatedUser is not null)
        {
            return await credentials.ResolveAgentIdAsync(authenticatedUser);
        }

        if (invite.From?.Uri.UserUnescaped is not { Length: > 0 and <= 128 } user)
        {
            return null;
        }

        var agent = await GrainCalls.RunAsync(() => edge.Grains.GetGrain<IAgentGrain>(user).GetAsync(), edge.Time);
        return agent is { IsConfigured: true, HasRegisteredDevice: true } ? user : null;
    }

    /// <summary>
    /// A feature code dialled on an agent's phone: park retrieval (prefix + slot) or directed pickup (prefix + agent id),
    /// resolved to the call this edge carries. Null when the number is no feature code or names nothing here.
    /// </summary>
    private async Task<(EdgeCall Call, bool Pickup)?> FeatureCodeCallAsync(string number)
    {
        string? callId = null;
        var pickup = false;
        var options = edge.Options;
        if (options.PickupPrefix is { Length: > 0 } pickupPrefix && number.StartsWith(pickupPrefix, StringComparison.Ordinal) &&
            number.Length > pickupPrefix.Length)
        {
            var ringing = await GrainCalls.RunAsync(() => edge.Grains.GetGrain<IAgentGrain>(number[pickupPrefix.Length..]).GetAsync(), edge.Time);
            callId = ringing is { Status: AgentStatus.Reserved } ? ringing.CallId : null;
            pickup = true;
        }
        else if (options.ParkRetrievePrefix is { Length: > 0 } parkPrefix && number.StartsWith(parkPrefix, StringComparison.Ordinal) &&
                 int.TryParse(number.AsSpan(parkPrefix.Length), System.Globalization.NumberStyles.None,
                     System.Globalization.CultureInfo.InvariantCulture, out var slot))
        {
            callId = (await GrainCalls.RunAsync(() => edge.Grains.GetGrain<IParkingLotGrain>(ParkingLotKeys.Default).GetAsync(slot), edge.Time))?.CallId;
        }

        return callId is not null && edge.Calls.Get(callId) is { } call ? (call, pickup) : null;
    }

    private async Task StartAgentDialAsync(SipIncomingCall incoming, string agentId, string number)
    {
        var agent = await GrainCalls.RunAsync(() => edge.Grains.GetGrain<IAgentGrain>(agentId).GetAsync(), edge.Time);
        var ani = agent.Profile?.Extension is { Length: > 0 } extension ? extension : agentId;
        var callId = CallIds.New();
        var call = EdgeCall.Outbound(edge, callId, agentId, number, incoming);
        edge.Calls.Add(call);
        LogAgentDialling(agentId, number, callId);
        await call.StartOutboundAsync(agentId, new CallInfo(ani, number, null, CallDirection.Outbound, 0, null, null, edge.EdgeId));
    }

    /// <summary>
    /// A colleague's agent id or extension dialled on an agent's phone: an internal call, which rings the colleague's phone
    /// (with the media engine's offer, or, direct, this INVITE's own). False when the number names no agent.
    /// </summary>
    private async Task<bool> StartInternalAsync(SipIncomingCall incoming, string agentId, string number)
    {
        var target = await GrainCalls.RunAsync(() => edge.Targets.ResolveAsync(number, TransferTargetKind.Agent), edge.Time);
        if (!target.IsSuccess)
        {
            return false;
        }

        var calleeId = target.Value!.Value;
        var caller = await GrainCalls.RunAsync(() => edge.Grains.GetGrain<IAgentGrain>(agentId).GetAsync(), edge.Time);
        var name = caller.Profile?.Name;
        var callId = CallIds.New();
        var call = EdgeCall.Internal(edge, callId, agentId, name, number, incoming);
        edge.Calls.Add(call);
        LogInternalDialling(agentId, number, calleeId, callId);
        await call.StartInternalAsync(calleeId, new CallInfo(agentId, number, name, CallDirection.Internal, 0, null, null, edge.EdgeId));
        return true;
    }

    /// <summary>Caller number and name: P-Asserted-Identity from a trusted trunk, else From.</summary>
    private static (string Number, string? Name) Identify(SipRequest invite, bool trusted)
    {
        SipNameAddress? identity = null;
        if (trusted && invite.Headers["P-Asserted-Identity"] is { } asserted && SipNameAddress.TryParse(asserted, out var parsed))
        {
            identity = parsed;
        }

        identity ??= invite.From;
        var number = identity?.Uri.UserUnescaped;
        return (string.IsNullOrWhiteSpace(number) ? "anonymous" : number, string.IsNullOrWhiteSpace(identity?.DisplayName) ? null : identity.DisplayName);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "INVITE for {RequestUri} from {Source}: no queue has that number (404)")]
    private partial void LogNoRoute(string requestUri, string source);

    [LoggerMessage(Level = LogLevel.Information, Message = "Agent {AgentId} dials {Number} from its phone (call {CallId})")]
    private partial void LogAgentDialling(string agentId, string number, string callId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Agent {AgentId} dials {Number} from its phone: agent {CalleeId}, internal call {CallId}")]
    private partial void LogInternalDialling(string agentId, string number, string calleeId, string callId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Edge-to-edge INVITE {SipCallId} from {Source} refused: {Reason}")]
    private partial void LogHopRefused(string sipCallId, string source, string reason);
}
