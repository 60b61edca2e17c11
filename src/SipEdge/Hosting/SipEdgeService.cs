using System.Net;
using Acd.Agents;
using Acd.CallControl.Calls;
using Acd.Calls;
using Acd.Common;
using Acd.Media;
using Acd.Sip;
using Acd.Sip.Auth;
using Acd.Sip.Dialogs;
using Acd.Sip.Headers;
using Acd.Sip.Messages;
using Acd.Sip.Parsing;
using Acd.Sip.Registrar;
using Acd.Sip.Transactions;
using Acd.Sip.Transports;
using Acd.SipEdge.Announcements;
using Acd.SipEdge.Bridging;
using Acd.SipEdge.Calls;
using Acd.SipEdge.Registration;
using Acd.SipEdge.Relay;
using Acd.SipEdge.Routing;
using Acd.SipEdge.Trunks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Acd.SipEdge.Hosting;

/// <summary>
/// The SIP edge of one frontend: the SIP stack and its listeners, the registrar whose bindings are mirrored into agent
/// grains, and the B2BUA whose calls (<see cref="EdgeCall"/>) carry out what the call grains decide. It is the user
/// agent's handler: new INVITEs go to the router, requests inside a dialog to the call (or hop) owning the dialog.
/// </summary>
public sealed partial class SipEdgeService : ISipUserAgentHandler, IAsyncDisposable
{
    /// <summary>How often callers on stream transports are checked for a closed connection.</summary>
    private static readonly TimeSpan FlowCheckInterval = TimeSpan.FromSeconds(2);

    /// <summary>What the edge serves (the Allow header of its 405s): registrar, B2BUA calls and their in-dialog requests.</summary>
    internal static readonly string[] AllowedMethods =
    [
        SipMethods.Invite, SipMethods.Ack, SipMethods.Bye, SipMethods.Cancel, SipMethods.Options, SipMethods.Register,
        SipMethods.Info, SipMethods.Refer, SipMethods.Notify, SipMethods.Update,
    ];

    private readonly SipEdgeOptions _options;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly EdgeCalls _calls = new();
    private readonly EdgeContext _context;
    private readonly InboundRouter _router;
    private readonly NumberRoutes _numbers;
    private readonly QueueSettings _queueSettings;
    private readonly bool _ownsTransports;
    private readonly bool _ownsMedia;
    private Task? _background;

    public SipEdgeService(IOptions<SipEdgeOptions> options, IGrainFactory grains, AgentCredentialStore credentials, InboundCalls inbound,
        DialTargets targets, MediaEngine media, QueueAudio queueAudio, TimeProvider time, ILoggerFactory loggerFactory)
        : this(options.Value, grains, credentials, inbound, targets, time, loggerFactory, stack: null, media, queueAudio)
    {
    }

    /// <summary>
    /// An edge on a stack made elsewhere (tests: an in-memory network on a fake clock), whose transports its maker adds;
    /// without one the edge makes its stack and opens the UDP, TCP and TLS listeners of its options. Without a media engine
    /// the edge passes media through (Media:Mode=direct), which an in-memory network needs; without queue audio the edge
    /// plays the shipped sounds.
    /// </summary>
    internal SipEdgeService(SipEdgeOptions options, IGrainFactory grains, AgentCredentialStore credentials, InboundCalls inbound,
        DialTargets targets, TimeProvider time, ILoggerFactory loggerFactory, SipStack? stack, MediaEngine? media = null,
        QueueAudio? queueAudio = null)
    {
        _options = options;
        _logger = loggerFactory.CreateLogger<SipEdgeService>();
        EdgeId = _options.ResolveEdgeId();
        PublicHost = _options.ResolvePublicHost();
        Domain = _options.ResolveDomain();
        Time = time;

        _ownsTransports = stack is null;
        Stack = stack ?? new SipStack(StackOptions(_options, PublicHost), time, loggerFactory.CreateLogger<SipStack>());
        UserAgent = new SipUserAgent(Stack, this);
        var digest = new DigestServer(new DigestServerOptions
        {
            Realm = Domain,
            Algorithms = [.. _options.ResolveDigestAlgorithms().Select(ParseAlgorithm)],
            NonceLifetime = TimeSpan.FromSeconds(_options.NonceLifetimeSeconds),
        }, credentials, time);
        var relay = new RelayTokens(_options.ResolveEdgeSecret(), time);
        Phones = new PhoneRegistry(grains, credentials, Stack, relay, EdgeId, _options.ResolveEdgeAddress(), time,
            loggerFactory.CreateLogger<PhoneRegistry>());
        Registrar = new SipRegistrar(digest, new SipRegistrarOptions
        {
            MinExpires = _options.MinExpiresSeconds,
            MaxExpires = _options.MaxExpiresSeconds,
            DefaultExpires = _options.MaxExpiresSeconds,
        }, time, Phones, loggerFactory.CreateLogger<SipRegistrar>());
        _ownsMedia = media is null;
        Media = media ?? new MediaEngine(new MediaOptions { Mode = MediaMode.Direct, BindAddress = "127.0.0.1" }, time, loggerFactory);
        queueAudio ??= new QueueAudio(Media, new SoundLibrary(SoundLibrary.ShippedRoot, loggerFactory.CreateLogger<SoundLibrary>(), time),
            new GrainQueuePositions(grains), loggerFactory: loggerFactory);
        _queueSettings = new QueueSettings(grains, time, loggerFactory.CreateLogger<QueueSettings>());
        var calls = new CallMediaFactory(Media, new CallAudio(queueAudio, _queueSettings), time, _options.SrtpOverTls);
        _context = new EdgeContext(EdgeId, Domain, PublicHost, Stack, UserAgent, grains, inbound, targets, Phones,
            new OutboundTrunk(_options.OutboundTrunk), _calls, calls, _options, time, loggerFactory.CreateLogger<EdgeCall>());
        _numbers = new NumberRoutes(grains, time);
        _router = new InboundRouter(_context, digest, credentials, new TrunkAllowList(_options.TrunkAllowList), _numbers, relay,
            loggerFactory.CreateLogger<InboundRouter>());
    }

    public SipStack Stack { get; }

    /// <summary>The media engine that anchors this edge's calls (or passes them through in direct mode).</summary>
    public MediaEngine Media { get; }

    /// <summary>How the edge's stack is set up: its public host, timers, and what it judges before digest.</summary>
    internal static SipStackOptions StackOptions(SipEdgeOptions options, string publicHost) => new()
    {
        PublicHost = publicHost,
        Timers = new SipTimerSettings { T1 = TimeSpan.FromMilliseconds(Math.Max(10, options.TimerT1Ms)) },
        // Judged before digest: a method the edge does not serve is 405/501 for everybody, not a 401 first.
        Validation = new SipValidationOptions { AllowedMethods = AllowedMethods },
    };

    public SipUserAgent UserAgent { get; }

    public SipRegistrar Registrar { get; }

    public string EdgeId { get; }

    public string Domain { get; }

    public string PublicHost { get; }

    internal TimeProvider Time { get; }

    internal PhoneRegistry Phones { get; }

    /// <summary>Calls this edge carries right now (by ACD call id).</summary>
    public int ActiveCalls => _calls.Count;

    /// <summary>Whether this edge still holds legs of the ACD call.</summary>
    public bool IsCarrying(string callId) => _calls.Contains(callId);

    /// <summary>
    /// Click-to-dial through this edge: the agent's phone rings first, then the destination is called through the trunk.
    /// Null when this edge cannot carry it (no trunk, or no phone of the agent is reachable): the call then stays CTI-only.
    /// </summary>
    public async Task<Result<CallSnapshot>?> DialAsync(string agentId, CallInfo info)
    {
        var callId = CallIds.New();
        var agent = await _context.Grains.GetGrain<IAgentGrain>(agentId).GetAsync();
        if (!_context.Trunk.IsConfigured || Phones.Choose(callId, agent.Devices) is null)
        {
            return null;
        }

        var call = EdgeCall.Outbound(_context, callId, agentId, info.Dnis, null);
        _calls.Add(call);
        return await call.StartOutboundAsync(agentId, info);
    }

    /// <summary>
    /// An internal call placed from <paramref name="fromAgentId"/>'s desktop: its phone rings first, then the colleague's.
    /// Null when this edge cannot reach a phone of the caller.
    /// </summary>
    public async Task<Result<CallSnapshot>?> DialInternalAsync(string fromAgentId, string toAgentId, CallInfo info)
    {
        var callId = CallIds.New();
        var caller = await _context.Grains.GetGrain<IAgentGrain>(fromAgentId).GetAsync();
        if (Phones.Choose(callId, caller.Devices) is null)
        {
            return null;
        }

        var call = EdgeCall.Internal(_context, callId, fromAgentId, caller.Profile?.Name, info.Dnis, null);
        _calls.Add(call);
        return await call.StartInternalAsync(toAgentId, info);
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var address = IPAddress.Parse(_options.ListenAddress);
        if (_ownsTransports && _options.UdpPort > 0)
        {
            Stack.AddUdp(new IPEndPoint(address, _options.UdpPort));
        }

        if (_ownsTransports && _options.TcpPort > 0)
        {
            Stack.AddTcp(new IPEndPoint(address, _options.TcpPort));
        }

        if (_ownsTransports && (_options.TlsPort > 0 || _context.Trunk.Transport == "TLS"))
        {
            // Without a TLS port the transport only connects out, for a trunk reached over TLS.
            Stack.AddTls(new IPEndPoint(address, Math.Max(0, _options.TlsPort)), TlsOptions(_options));
        }

        await Stack.StartAsync(cancellationToken);
        _background = Task.WhenAll(
            Task.Run(() => EveryAsync(FlowCheckInterval, () =>
            {
                foreach (var call in _calls.All)
                {
                    call.CheckCallerFlow();
                }

                return Task.CompletedTask;
            }), CancellationToken.None),
            Task.Run(() => EveryAsync(NumberRoutes.RefreshPeriod, () => _numbers.RefreshAsync(_stopping.Token), runFirst: true), CancellationToken.None),
            // The queues' music and announcement settings: only anchored calls play them.
            Media.IsAnchoring
                ? Task.Run(() => EveryAsync(NumberRoutes.RefreshPeriod, () => _queueSettings.RefreshAsync(_stopping.Token)), CancellationToken.None)
                : Task.CompletedTask,
            _options.LegProbeSeconds > 0
                // In parallel: one unreachable UDP leg waits out a 32 s transaction timeout, which must not delay the rest.
                ? Task.Run(() => EveryAsync(TimeSpan.FromSeconds(_options.LegProbeSeconds), () => Task.WhenAll(_calls.All.Select(c => c.ProbeLegsAsync()))),
                    CancellationToken.None)
                : Task.CompletedTask);
        LogStarted(EdgeId, _options.ListenAddress, _options.UdpPort, _options.TcpPort, _options.TlsPort, Domain, PublicHost);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _draining = true;
        await _stopping.CancelAsync();
        // Calls cannot survive their edge (the legs' dialogs live here): end them with a call record rather than leave them stuck.
        await Task.WhenAll(_calls.All.Select(c => c.AbortAsync("SIP edge stopped")));
        if (_background is not null)
        {
            await _background.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stopping.Dispose();
        await Stack.DisposeAsync();
        if (_ownsMedia)
        {
            await Media.DisposeAsync();
        }
    }

    private async Task EveryAsync(TimeSpan period, Func<Task> work, bool runFirst = false)
    {
        using var timer = new PeriodicTimer(period, Time);
        try
        {
            if (runFirst)
            {
                await RunQuietlyAsync(work);
            }

            while (await timer.WaitForNextTickAsync(_stopping.Token))
            {
                await RunQuietlyAsync(work);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task RunQuietlyAsync(Func<Task> work)
    {
        try
        {
            await work();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException and not OperationCanceledException)
        {
            LogBackgroundFailed(ex);
        }
    }

    // ---- the user agent's handler -----------------------------------------------------------------------

    Task ISipUserAgentHandler.OnIncomingCallAsync(SipIncomingCall call)
    {
        if (_draining)
        {
            LogRefusedWhileDraining(call.Invite.RequestUri.ToString());
            call.Reject(503, DrainingRetryAfter);
            return Task.CompletedTask;
        }

        return _router.RouteAsync(call, _stopping.Token);
    }

    async Task ISipUserAgentHandler.OnRequestAsync(SipServerTransaction tx)
    {
        var request = tx.Request;
        if (request.Method == SipMethods.Register)
        {
            await Phones.HandleRegisterAsync(Registrar, tx, _stopping.Token);
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

    Task ISipUserAgentHandler.OnInDialogRequestAsync(SipServerTransaction tx, SipDialog dialog)
    {
        if (_calls.Owner(dialog.Id) is { } owner)
        {
            return owner.OnInDialogRequestAsync(tx, dialog);
        }

        tx.Respond(tx.CreateResponse(tx.Request.Method is SipMethods.Options or SipMethods.Info or SipMethods.Notify or SipMethods.Update ? 200 : 481));
        return Task.CompletedTask;
    }

    Task ISipUserAgentHandler.OnReInviteAsync(SipServerTransaction tx, SipDialog dialog)
    {
        if (_calls.Owner(dialog.Id) is { } owner)
        {
            return owner.OnReInviteAsync(tx, dialog);
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

    void ISipUserAgentHandler.OnDialogTerminated(SipDialog dialog, SipRequest? bye) => _calls.Release(dialog.Id)?.OnDialogTerminated(dialog, bye is not null);

    /// <summary>The TLS transport's certificate and trust from Sip:Tls; a listener without a usable certificate stops the start.</summary>
    internal static SipTlsOptions TlsOptions(SipEdgeOptions options)
    {
        var tls = options.Tls;
        var roots = string.IsNullOrWhiteSpace(tls.CaPath) ? [] : SipTlsCertificates.LoadAuthorities(tls.CaPath, "Sip:Tls:CaPath");
        if (options.TlsPort <= 0)
        {
            return new SipTlsOptions { TrustedAuthorities = roots };
        }

        if (string.IsNullOrWhiteSpace(tls.CertificatePath))
        {
            throw new InvalidOperationException("Sip:TlsPort is set but Sip:Tls:CertificatePath is not: a TLS listener needs a certificate with its private key.");
        }

        var (certificate, chain) = SipTlsCertificates.Load(tls.CertificatePath, tls.CertificatePassword, tls.KeyPath, "Sip:Tls");
        return new SipTlsOptions { ServerCertificate = certificate, ServerChain = chain, TrustedAuthorities = roots };
    }

    private static DigestAlgorithm ParseAlgorithm(string name) =>
        DigestHash.FromName(name) ?? throw new InvalidOperationException($"Sip:DigestAlgorithms: unknown algorithm '{name}' (use MD5 or SHA-256).");

    [LoggerMessage(Level = LogLevel.Information, Message = "SIP edge {EdgeId} listening on {Address} (udp {UdpPort}, tcp {TcpPort}, tls {TlsPort}), domain {Domain}, public host {PublicHost}")]
    private partial void LogStarted(string edgeId, string address, int udpPort, int tcpPort, int tlsPort, string domain, string publicHost);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SIP edge background work failed")]
    private partial void LogBackgroundFailed(Exception ex);
}
