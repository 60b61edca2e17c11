using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Net;
using System.Net.Sockets;
using Acd.Agents;
using Acd.CallControl.Calls;
using Acd.Calls;
using Acd.Catalog;
using Acd.Sip;
using Acd.Sip.Auth;
using Acd.Sip.Dialogs;
using Acd.Sip.Headers;
using Acd.Sip.Messages;
using Acd.Sip.Parsing;
using Acd.Sip.Registrar;
using Acd.Sip.Transactions;
using Acd.Sip.Transports;
using Acd.Sip.Uris;
using Microsoft.Extensions.Options;

namespace Acd.Frontend.SipEdge;

/// <summary>
/// The SIP edge of one frontend: registrar for agents' phones (bindings mirrored into their AgentGrain) and a
/// back-to-back user agent that turns inbound INVITEs into CallGrains and executes the grains' commands on the legs.
/// The grains decide (ring timeout, requeue, abandon); the edge only carries out and reports what happens on the wire.
/// </summary>
public sealed partial class SipEdgeService : IAsyncDisposable, ISipUserAgentHandler, ISipRegistrarObserver
{

    /// <summary>How often callers on stream transports are checked for a closed connection.</summary>
    private static readonly TimeSpan FlowCheckInterval = TimeSpan.FromSeconds(2);

    /// <summary>The REGISTER being handled, so the binding callback (raised inside the registrar) can read its User-Agent.</summary>
    private static readonly AsyncLocal<SipRequest?> CurrentRegister = new();

    private readonly SipEdgeOptions _options;
    private readonly IGrainFactory _grains;
    private readonly AgentCredentialStore _credentials;
    private readonly ILogger<SipEdgeService> _logger;
    private readonly ILoggerFactory _loggerFactory;
    private readonly DigestServer _digest;
    private readonly TrunkAllowList _trunks;
    private readonly ConcurrentDictionary<string, EdgeCall> _calls = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<SipDialogId, EdgeCall> _dialogs = new();
    /// <summary>The bindings this edge registered, by contact: the flow they came in on and whether to use it or the Contact.</summary>
    private readonly ConcurrentDictionary<string, SipBinding> _flows = new(StringComparer.Ordinal);
    private readonly Lock _mirrorGate = new();
    private readonly Dictionary<string, Task> _mirrorTails = new(StringComparer.OrdinalIgnoreCase);
    private readonly CancellationTokenSource _stopping = new();
    private Task? _background;

    public SipEdgeService(IOptions<SipEdgeOptions> options, IGrainFactory grains, AgentCredentialStore credentials, InboundCalls inbound,
        DialTargets targets, TimeProvider time, ILoggerFactory loggerFactory)
    {
        _options = options.Value;
        Inbound = inbound;
        Targets = targets;
        _grains = grains;
        _credentials = credentials;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<SipEdgeService>();
        EdgeId = _options.ResolveEdgeId();
        PublicHost = _options.ResolvePublicHost();
        Domain = _options.ResolveDomain();
        _trunks = new TrunkAllowList(_options.TrunkAllowList);
        Time = time;

        Stack = new SipStack(new SipStackOptions
        {
            PublicHost = PublicHost,
            Timers = new SipTimerSettings { T1 = TimeSpan.FromMilliseconds(Math.Max(10, _options.TimerT1Ms)) },
            // Judged before digest: a method the edge does not serve is 405/501 for everybody, not a 401 first.
            Validation = new SipValidationOptions { AllowedMethods = AllowedMethods },
        }, time, loggerFactory.CreateLogger<SipStack>());
        UserAgent = new SipUserAgent(Stack, this);
        _digest = new DigestServer(new DigestServerOptions
        {
            Realm = Domain,
            Algorithms = [.. _options.ResolveDigestAlgorithms().Select(ParseAlgorithm)],
            NonceLifetime = TimeSpan.FromSeconds(_options.NonceLifetimeSeconds),
        }, credentials, time);
        Registrar = new SipRegistrar(_digest, new SipRegistrarOptions
        {
            MinExpires = _options.MinExpiresSeconds,
            MaxExpires = _options.MaxExpiresSeconds,
            DefaultExpires = _options.MaxExpiresSeconds,
        }, time, this, loggerFactory.CreateLogger<SipRegistrar>());
    }

    // The SIP stack's events, mapped onto the handlers below.
    Task ISipUserAgentHandler.OnIncomingCallAsync(SipIncomingCall call) => OnIncomingCallAsync(call);

    Task ISipUserAgentHandler.OnRequestAsync(SipServerTransaction transaction) => OnRequestAsync(transaction, null);

    Task ISipUserAgentHandler.OnInDialogRequestAsync(SipServerTransaction transaction, SipDialog dialog) => OnRequestAsync(transaction, dialog);

    Task ISipUserAgentHandler.OnReInviteAsync(SipServerTransaction transaction, SipDialog dialog) => OnReInviteAsync(transaction, dialog);

    void ISipUserAgentHandler.OnDialogTerminated(SipDialog dialog, SipRequest? bye) => OnDialogTerminated(dialog, bye);

    void ISipRegistrarObserver.OnBindingChanged(SipBinding binding, bool added) => OnBindingChanged(binding, added);

    public SipStack Stack { get; }

    public SipUserAgent UserAgent { get; }

    public SipRegistrar Registrar { get; }

    public string EdgeId { get; }

    public string Domain { get; }

    public string PublicHost { get; }

    internal TimeProvider Time { get; }

    /// <summary>Starts inbound calls as the API does (queue, customer lookup for the popup, grain).</summary>
    internal InboundCalls Inbound { get; }

    /// <summary>Resolves dialled and REFERred targets in the same order as the API's transfers.</summary>
    internal DialTargets Targets { get; }

    internal IGrainFactory Grains => _grains;

    internal SipEdgeOptions Options => _options;

    /// <summary>Whether calls can leave the ACD (transfers to external numbers, click-to-dial): an outbound trunk is configured.</summary>
    internal bool CanCallOut => _options.OutboundTrunk.IsConfigured;

    /// <summary>The request-URI for <paramref name="number"/> at the outbound trunk.</summary>
    internal SipUri TrunkUri(string number)
    {
        var trunk = _options.OutboundTrunk;
        var transport = trunk.Transport.Trim().ToLowerInvariant();
        var user = Uri.EscapeDataString(number).Replace("%2B", "+", StringComparison.Ordinal);
        return SipUri.Parse($"sip:{user}@{trunk.Host}{(transport == "udp" ? "" : ";transport=" + transport)}");
    }

    /// <summary>Caller id for a call leaving the ACD: the configured one, else the agent's number.</summary>
    internal string TrunkCallerId(string agentNumber) =>
        string.IsNullOrWhiteSpace(_options.OutboundTrunk.CallerId) ? agentNumber : _options.OutboundTrunk.CallerId;

    /// <summary>Fresh digest client state per call (nonce counts are per call), or null when the trunk needs no auth.</summary>
    internal DigestClient? TrunkCredentials() =>
        _options.OutboundTrunk is { Username: { Length: > 0 } user, Password: { } password } ? new DigestClient(user, password) : null;

    /// <summary>
    /// Click-to-dial through this edge: the agent's phone rings first, then the destination is called through the trunk.
    /// Null when this edge cannot carry it (no trunk, or the agent has no registered phone): the call then stays CTI-only.
    /// </summary>
    public async Task<Acd.Common.Result<Acd.Calls.CallSnapshot>?> DialAsync(string agentId, Acd.Calls.CallInfo info)
    {
        if (!CanCallOut || FindDevice(agentId, (await _grains.GetGrain<IAgentGrain>(agentId).GetAsync()).Devices) is null)
        {
            return null;
        }

        var callId = CallIds.New();
        var call = new EdgeCall(this, callId, agentId, info.Dnis, null, _loggerFactory.CreateLogger<EdgeCall>());
        _calls[callId] = call;
        return await call.StartOutboundAsync(agentId, info);
    }

    /// <summary>Calls this edge carries right now (by ACD call id).</summary>
    public int ActiveCalls => _calls.Count;

    /// <summary>Whether this edge still holds legs of the ACD call.</summary>
    public bool IsCarrying(string callId) => _calls.ContainsKey(callId);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var address = IPAddress.Parse(_options.ListenAddress);
        if (_options.UdpPort > 0)
        {
            Stack.AddUdp(new IPEndPoint(address, _options.UdpPort));
        }

        if (_options.TcpPort > 0)
        {
            Stack.AddTcp(new IPEndPoint(address, _options.TcpPort));
        }

        await Stack.StartAsync(cancellationToken);
        _background = Task.WhenAll(Task.Run(WatchCallerFlowsAsync, CancellationToken.None),
            Task.Run(ProbeLegsAsync, CancellationToken.None));
        LogStarted(EdgeId, _options.ListenAddress, _options.UdpPort, _options.TcpPort, Domain, PublicHost);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        // Calls cannot survive their edge (the legs' dialogs live here): end them with a call record rather than leave them stuck.
        await Task.WhenAll(_calls.Values.Select(c => c.AbortAsync("SIP edge stopped")));
        if (_background is not null)
        {
            await _background.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stopping.Dispose();
        await Stack.DisposeAsync();
    }

    // ---- requests outside calls ---------------------------------------------------------------

    private async Task OnRequestAsync(SipServerTransaction tx, SipDialog? dialog)
    {
        var request = tx.Request;
        if (dialog is null && request.Method == SipMethods.Register)
        {
            CurrentRegister.Value = request;
            await Registrar.HandleAsync(tx, _stopping.Token);
            return;
        }

        if (dialog is not null && _dialogs.TryGetValue(dialog.Id, out var call))
        {
            await call.OnInDialogRequestAsync(tx, dialog);
            return;
        }

        if (request.Method is SipMethods.Options or SipMethods.Info or SipMethods.Notify or SipMethods.Update)
        {
            // Keep-alives (and chatter in dialogs no call owns any more) are acknowledged.
            tx.Respond(tx.CreateResponse(200));
            return;
        }

        var notAllowed = tx.CreateResponse(405);
        notAllowed.Headers.Add(SipHeaderNames.Allow, string.Join(", ", AllowedMethods));
        tx.Respond(notAllowed);
    }

    /// <summary>What the edge serves (the Allow header of its 405s): registrar, B2BUA calls and their in-dialog requests.</summary>
    internal static readonly string[] AllowedMethods =
    [
        SipMethods.Invite, SipMethods.Ack, SipMethods.Bye, SipMethods.Cancel, SipMethods.Options, SipMethods.Register,
        SipMethods.Info, SipMethods.Refer, SipMethods.Notify, SipMethods.Update,
    ];

    // ---- registrar -> AgentGrain --------------------------------------------------------------

    private void OnBindingChanged(SipBinding binding, bool added)
    {
        var contact = binding.Contact.ToString();
        if (added)
        {
            _flows[contact] = binding;
        }
        else
        {
            _flows.TryRemove(contact, out _);
        }

        var userAgent = CurrentRegister.Value?.Headers[SipHeaderNames.UserAgent];
        var username = binding.Username ?? (SipUri.TryParse(binding.AddressOfRecord, out var aor) ? aor!.UserUnescaped : null);
        if (username is null)
        {
            return;
        }

        // Chained per user so a refresh and a later un-REGISTER reach the grain in the order the phone sent them.
        lock (_mirrorGate)
        {
            var tail = _mirrorTails.GetValueOrDefault(username) ?? Task.CompletedTask;
            var next = tail.ContinueWith(_ => MirrorAsync(username, contact, binding, added, userAgent), CancellationToken.None,
                TaskContinuationOptions.None, TaskScheduler.Default).Unwrap();
            _mirrorTails[username] = next;
            _ = next.ContinueWith(t =>
            {
                lock (_mirrorGate)
                {
                    if (_mirrorTails.TryGetValue(username, out var current) && current == t)
                    {
                        _mirrorTails.Remove(username);
                    }
                }
            }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        }
    }

    private async Task MirrorAsync(string username, string contact, SipBinding binding, bool added, string? userAgent)
    {
        try
        {
            var agentId = await _credentials.ResolveAgentIdAsync(username) ?? username;
            var agent = _grains.GetGrain<IAgentGrain>(agentId);
            var result = added
                ? await agent.RegisterDeviceAsync(new DeviceBinding(contact, EdgeId, binding.Flow.Transport.ViaToken(), binding.Expires, userAgent,
                    binding.Flow.ToString()))
                : await agent.UnregisterDeviceAsync(contact);
            if (result.IsSuccess)
            {
                LogBinding(agentId, added ? "registered" : "unregistered", contact, binding.Flow.ToString(), binding.Route, binding.RouteReason, binding.Expires);
            }
            else
            {
                LogBindingRefused(agentId, contact, result.ToString());
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogBindingFailed(ex, username, contact);
        }
    }

    /// <summary>Where to reach an agent's phone: the freshest binding, preferring the flows this edge holds.</summary>
    internal (SipUri Contact, SipTarget Target)? FindDevice(string agentId, ImmutableArray<DeviceBinding> devices)
    {
        if (devices.IsDefaultOrEmpty)
        {
            return null;
        }

        var now = Time.GetUtcNow();
        foreach (var device in devices.Where(d => d.ExpiresAt > now)
                     .OrderByDescending(d => d.EdgeId == EdgeId).ThenByDescending(d => d.ExpiresAt))
        {
            if (!SipUri.TryParse(device.Contact, out var contact) || contact is null)
            {
                continue;
            }

            if (_flows.TryGetValue(device.Contact, out var binding) && binding.Route == SipBindingRoute.Flow)
            {
                var flow = binding.Flow;
                if (flow.FlowId != 0 && !Stack.IsFlowAlive(flow.FlowId))
                {
                    // The phone's connection (TCP, WebSocket) is gone: it cannot be reached until it registers again.
                    continue;
                }

                return (contact, flow);
            }

            if (binding is null && device.EdgeId != EdgeId && device.Transport is "WS" or "WSS")
            {
                // Another edge holds that browser's socket; cross-edge legs come with part 2.
                continue;
            }

            try
            {
                return (contact, Stack.ResolveTarget(new SipRequest(SipMethods.Invite, contact)));
            }
            catch (Exception ex) when (ex is SocketException or ArgumentException or InvalidOperationException)
            {
                LogUnreachableContact(agentId, device.Contact, ex.Message);
            }
        }

        return null;
    }

    // ---- inbound calls ------------------------------------------------------------------------

    private async Task OnIncomingCallAsync(SipIncomingCall incoming)
    {
        var invite = incoming.Invite;
        var source = incoming.Transaction.Source.Remote;
        var trusted = _trunks.Contains(source.Address);
        var webCaller = !trusted && _options.AllowWebCallers
            && incoming.Transaction.Source.Transport is SipTransportKind.Ws or SipTransportKind.Wss
            && await ResolveQueueAsync(invite.RequestUri.UserUnescaped) is not null;
        string? authenticatedUser = null;
        if (!trusted && !webCaller)
        {
            var verdict = await _digest.VerifyAsync(invite, _stopping.Token);
            if (verdict.Outcome != DigestVerifyOutcome.Authenticated)
            {
                incoming.Transaction.Respond(verdict.Response!);
                return;
            }

            authenticatedUser = verdict.Username;
        }

        var dialled = invite.RequestUri.UserUnescaped;
        var queueId = await ResolveQueueAsync(dialled);
        if (queueId is null && invite.To?.Uri.UserUnescaped is { } toUser && toUser != dialled)
        {
            dialled = toUser;
            queueId = await ResolveQueueAsync(dialled);
        }

        if (queueId is null && !webCaller && invite.RequestUri.UserUnescaped is { Length: > 0 } number &&
            await CallingAgentAsync(invite, authenticatedUser) is { } agentId)
        {
            if (await FeatureCodeCallAsync(number) is { } feature)
            {
                await feature.Call.TakeFromPhoneAsync(incoming, agentId, feature.Pickup);
                return;
            }

            if (CanCallOut)
            {
                await StartAgentDialAsync(incoming, agentId, number);
                return;
            }
        }

        if (queueId is null || dialled is null)
        {
            LogNoRoute(invite.RequestUri.ToString(), source.ToString());
            incoming.Reject(404);
            return;
        }

        var callId = CallIds.New();
        var call = new EdgeCall(this, callId, queueId, dialled, incoming, trusted, _loggerFactory.CreateLogger<EdgeCall>());
        _calls[callId] = call;
        await call.StartAsync();
    }

    /// <summary>
    /// The agent placing a call from its own phone: the digest user it authenticated as, or, from an allow-listed
    /// address (a PBX in front of the phones), the From user when that is an agent with a registered phone.
    /// </summary>
    private async Task<string?> CallingAgentAsync(SipRequest invite, string? authenticatedUser)
    {
        if (authenticatedUser is not null)
        {
            return await _credentials.ResolveAgentIdAsync(authenticatedUser);
        }

        if (invite.From?.Uri.UserUnescaped is not { Length: > 0 and <= 128 } user)
        {
            return null;
        }

        var agent = await _grains.GetGrain<IAgentGrain>(user).GetAsync();
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
        if (_options.PickupPrefix is { Length: > 0 } pickupPrefix && number.StartsWith(pickupPrefix, StringComparison.Ordinal) &&
            number.Length > pickupPrefix.Length)
        {
            callId = (await _grains.GetGrain<IAgentGrain>(number[pickupPrefix.Length..]).GetAsync()) is { Status: AgentStatus.Reserved } ringing
                ? ringing.CallId
                : null;
            pickup = true;
        }
        else if (_options.ParkRetrievePrefix is { Length: > 0 } parkPrefix && number.StartsWith(parkPrefix, StringComparison.Ordinal) &&
                 int.TryParse(number.AsSpan(parkPrefix.Length), System.Globalization.NumberStyles.None,
                     System.Globalization.CultureInfo.InvariantCulture, out var slot))
        {
            callId = (await _grains.GetGrain<Acd.Parking.IParkingLotGrain>(Acd.Parking.ParkingLotKeys.Default).GetAsync(slot))?.CallId;
        }

        return callId is not null && _calls.TryGetValue(callId, out var call) ? (call, pickup) : null;
    }

    private async Task StartAgentDialAsync(SipIncomingCall incoming, string agentId, string number)
    {
        var agent = await _grains.GetGrain<IAgentGrain>(agentId).GetAsync();
        var ani = agent.Profile?.Extension is { Length: > 0 } extension ? extension : agentId;
        var callId = CallIds.New();
        var call = new EdgeCall(this, callId, agentId, number, incoming, _loggerFactory.CreateLogger<EdgeCall>());
        _calls[callId] = call;
        LogAgentDialling(agentId, number, callId);
        await call.StartOutboundAsync(agentId, new Acd.Calls.CallInfo(ani, number, null, Acd.Calls.CallDirection.Outbound, 0, null, null, EdgeId));
    }

    private async Task<string?> ResolveQueueAsync(string? number) =>
        string.IsNullOrWhiteSpace(number)
            ? null
            : await GrainRetry.RunAsync(() => _grains.GetGrain<ICatalogGrain>(CatalogKeys.Default).ResolveNumberAsync(number), Time, _stopping.Token);

    private void OnDialogTerminated(SipDialog dialog, SipRequest? bye)
    {
        if (_dialogs.TryRemove(dialog.Id, out var call))
        {
            call.OnDialogTerminated(dialog, bye is not null);
        }
    }

    private Task OnReInviteAsync(SipServerTransaction tx, SipDialog dialog)
    {
        if (_dialogs.TryGetValue(dialog.Id, out var call))
        {
            return call.OnReInviteAsync(tx, dialog);
        }

        // A dialog no call owns any more (its BYE is on the way): keep the session as it is.
        var ok = tx.CreateResponse(200);
        ok.Headers.Add(SipHeaderNames.Contact, $"<{dialog.LocalContact}>");
        if (tx.Request.Body.Length > 0 && dialog.LocalSdp is { Length: > 0 } sdp)
        {
            ok.SetBody("application/sdp", sdp);
        }

        tx.Respond(ok);
        return Task.CompletedTask;
    }

    internal void Track(SipDialog dialog, EdgeCall call) => _dialogs[dialog.Id] = call;

    /// <summary>The call holding the dialog a Replaces value names (RFC 3891: to-tag is this side's tag), if this edge carries it.</summary>
    internal EdgeCall? FindByDialog(SipReplaces replaces) =>
        _dialogs.TryGetValue(SipDialogId.From(replaces), out var call) ? call : null;

    internal void Forget(EdgeCall call) => _calls.TryRemove(call.CallId, out _);

    private async Task WatchCallerFlowsAsync()
    {
        using var timer = new PeriodicTimer(FlowCheckInterval, Time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token))
            {
                foreach (var call in _calls.Values)
                {
                    await call.CheckCallerFlowAsync();
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>OPTIONS inside every established leg now and then, so a phone or trunk that vanished ends its call.</summary>
    private async Task ProbeLegsAsync()
    {
        if (_options.LegProbeSeconds <= 0)
        {
            return;
        }

        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(_options.LegProbeSeconds), Time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token))
            {
                // In parallel: one unreachable UDP leg waits out a 32 s transaction timeout, which must not delay the rest.
                await Task.WhenAll(_calls.Values.Select(c => c.ProbeLegsAsync()));
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static DigestAlgorithm ParseAlgorithm(string name) =>
        DigestHash.FromName(name) ?? throw new InvalidOperationException($"Sip:DigestAlgorithms: unknown algorithm '{name}' (use MD5 or SHA-256).");

    [LoggerMessage(Level = LogLevel.Information, Message = "SIP edge {EdgeId} listening on {Address} (udp {UdpPort}, tcp {TcpPort}), domain {Domain}, public host {PublicHost}")]
    private partial void LogStarted(string edgeId, string address, int udpPort, int tcpPort, string domain, string publicHost);

    [LoggerMessage(Level = LogLevel.Information, Message = "Phone of agent {AgentId} {Change}: {Contact} via {Flow}, calls go to the {Route} ({RouteReason}), expires {Expires:O}")]
    private partial void LogBinding(string agentId, string change, string contact, string flow, SipBindingRoute route, string? routeReason, DateTimeOffset expires);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Agent {AgentId} refused the binding {Contact}: {Reason}")]
    private partial void LogBindingRefused(string agentId, string contact, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not mirror the binding {Contact} of {Username} into the agent grain")]
    private partial void LogBindingFailed(Exception ex, string username, string contact);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Contact {Contact} of agent {AgentId} is unreachable: {Reason}")]
    private partial void LogUnreachableContact(string agentId, string contact, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Agent {AgentId} dials {Number} from its phone (call {CallId})")]
    private partial void LogAgentDialling(string agentId, string number, string callId);

    [LoggerMessage(Level = LogLevel.Information, Message = "INVITE for {RequestUri} from {Source}: no queue has that number (404)")]
    private partial void LogNoRoute(string requestUri, string source);
}
