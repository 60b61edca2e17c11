using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Net.Sockets;
using Acd.Agents;
using Acd.Sip;
using Acd.Sip.Messages;
using Acd.Sip.Registrar;
using Acd.Sip.Transports;
using Acd.Sip.Uris;
using Acd.SipEdge.Relay;
using Microsoft.Extensions.Logging;

namespace Acd.SipEdge.Registration;

/// <summary>
/// The agents' phones as this edge sees them: the bindings its registrar made (mirrored into the agent grains, so every
/// edge knows every phone) and where to send an INVITE for a phone, given the bindings a ring command carries.
/// </summary>
internal sealed partial class PhoneRegistry(
    IGrainFactory grains,
    AgentCredentialStore credentials,
    SipStack stack,
    RelayTokens relay,
    string edgeId,
    string edgeAddress,
    TimeProvider time,
    ILogger logger) : ISipRegistrarObserver
{
    /// <summary>The REGISTER being handled, so a binding change can record the phone's User-Agent.</summary>
    private static readonly AsyncLocal<SipRequest?> CurrentRegister = new();

    private readonly ConcurrentDictionary<string, SipBinding> _local = new(StringComparer.Ordinal);
    private readonly object _mirrorGate = new();
    private readonly Dictionary<string, Task> _mirrorTails = new(StringComparer.Ordinal);

    /// <summary>Runs the registrar for a REGISTER, with its User-Agent at hand for the mirrored bindings.</summary>
    public async Task HandleRegisterAsync(SipRegistrar registrar, Acd.Sip.Transactions.SipServerTransaction tx, CancellationToken cancellationToken)
    {
        CurrentRegister.Value = tx.Request;
        await registrar.HandleAsync(tx, cancellationToken);
    }

    public void OnBindingChanged(SipBinding binding, bool added)
    {
        var contact = binding.Contact.ToString();
        if (added)
        {
            _local[contact] = binding;
        }
        else
        {
            _local.TryRemove(contact, out _);
        }

        var userAgent = CurrentRegister.Value?.Headers[Acd.Sip.Headers.SipHeaderNames.UserAgent];
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
            var agentId = await credentials.ResolveAgentIdAsync(username) ?? username;
            var agent = grains.GetGrain<IAgentGrain>(agentId);
            var result = added
                ? await agent.RegisterDeviceAsync(new DeviceBinding(contact, edgeId, binding.Flow.Transport.ViaToken(), binding.Expires, userAgent,
                    binding.Flow.ToString(), edgeAddress, ViaFlow: binding.Route == SipBindingRoute.Flow))
                : await agent.UnregisterDeviceAsync(contact);
            if (result.IsSuccess)
            {
                LogBinding(agentId, added ? "registered" : "unregistered", contact, binding.Flow.ToString(), binding.Route, binding.RouteReason,
                    binding.Expires);
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

    /// <summary>
    /// Where to ring one of the agent's phones for <paramref name="callId"/>: a phone this edge registered first (over its
    /// flow, or at its contact), then the freshest of the rest, through the edge holding its flow when only that flow
    /// reaches it. Null when none can be reached from here.
    /// </summary>
    public PhoneRoute? Choose(string callId, ImmutableArray<DeviceBinding> devices)
    {
        if (devices.IsDefaultOrEmpty)
        {
            return null;
        }

        var now = time.GetUtcNow();
        foreach (var device in devices.Where(d => d.ExpiresAt > now).OrderByDescending(d => _local.ContainsKey(d.Contact)).ThenByDescending(d => d.ExpiresAt))
        {
            if (!SipUri.TryParse(device.Contact, out var contact) || contact is null)
            {
                continue;
            }

            if (_local.TryGetValue(device.Contact, out var binding))
            {
                if (binding.Route == SipBindingRoute.Flow)
                {
                    if (binding.Flow.FlowId != 0 && !stack.IsFlowAlive(binding.Flow.FlowId))
                    {
                        continue; // its connection is gone: unreachable until it registers again
                    }

                    return new PhoneRoute(device, contact, binding.Flow, null);
                }

                return Direct(device, contact);
            }

            if (device.EdgeId != edgeId && (device.ViaFlow || device.Transport is "WS" or "WSS"))
            {
                // Only the edge that holds the phone's flow reaches it: that edge relays the INVITE onto the flow.
                if (Relayed(callId, device, contact) is { } relayed)
                {
                    return relayed;
                }

                continue;
            }

            if (Direct(device, contact) is { } direct)
            {
                return direct;
            }
        }

        return null;
    }

    private PhoneRoute? Direct(DeviceBinding device, SipUri contact)
    {
        try
        {
            return new PhoneRoute(device, contact, stack.ResolveTarget(new SipRequest(SipMethods.Invite, contact)), null);
        }
        catch (Exception ex) when (ex is SocketException or ArgumentException or InvalidOperationException)
        {
            LogUnreachableContact(device.Contact, ex.Message);
            return null;
        }
    }

    private PhoneRoute? Relayed(string callId, DeviceBinding device, SipUri contact)
    {
        if (!relay.CanSign || string.IsNullOrWhiteSpace(device.EdgeAddress))
        {
            LogNoRelay(device.Contact, device.EdgeId);
            return null;
        }

        try
        {
            var hop = SipUri.Parse($"sip:{device.EdgeAddress}");
            var target = stack.ResolveTarget(new SipRequest(SipMethods.Invite, hop));
            return new PhoneRoute(device, contact, target, relay.Sign(callId, device.Contact));
        }
        catch (Exception ex) when (ex is SocketException or ArgumentException or InvalidOperationException or FormatException)
        {
            LogUnreachableContact(device.EdgeAddress!, ex.Message);
            return null;
        }
    }

    /// <summary>
    /// Of an agent's phones none of which <see cref="Choose"/> could reach, those this edge registered: their connection
    /// closed (or their contact does not resolve), and no other edge reaches them either, so they are stale.
    /// </summary>
    public IEnumerable<DeviceBinding> OwnOf(ImmutableArray<DeviceBinding> devices) =>
        devices.IsDefaultOrEmpty ? [] : devices.Where(d => d.EdgeId == edgeId);

    /// <summary>This edge's own binding for a contact (a relayed INVITE names one), if it holds it and its flow is alive.</summary>
    public SipBinding? Local(string contact) =>
        _local.TryGetValue(contact, out var binding) && (binding.Flow.FlowId == 0 || stack.IsFlowAlive(binding.Flow.FlowId)) ? binding : null;

    /// <summary>A phone that could not be reached: its binding is stale and is dropped, so the agent is offered no calls for it.</summary>
    public async Task ForgetAsync(string agentId, DeviceBinding device)
    {
        _local.TryRemove(device.Contact, out _);
        try
        {
            await grains.GetGrain<IAgentGrain>(agentId).UnregisterDeviceAsync(device.Contact);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogBindingFailed(ex, agentId, device.Contact);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Phone of agent {AgentId} {Change}: {Contact} via {Flow}, calls go to the {Route} ({RouteReason}), expires {Expires:O}")]
    private partial void LogBinding(string agentId, string change, string contact, string flow, SipBindingRoute route, string? routeReason, DateTimeOffset expires);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Agent {AgentId} refused the binding {Contact}: {Reason}")]
    private partial void LogBindingRefused(string agentId, string contact, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not mirror the binding {Contact} of {Username} into the agent grain")]
    private partial void LogBindingFailed(Exception ex, string username, string contact);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Contact} is unreachable: {Reason}")]
    private partial void LogUnreachableContact(string contact, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Phone {Contact} is held by edge {EdgeId}, which this edge cannot relay through (no Sip:EdgeSecret / Auth:SigningKey, or no edge address)")]
    private partial void LogNoRelay(string contact, string edgeId);
}
