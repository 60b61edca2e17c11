using System.Globalization;
using Acd.Sip.Dialogs;
using Acd.Sip.Headers;
using Acd.Sip.Messages;
using Acd.Sip.Registrar;
using Acd.Sip.Transactions;
using Acd.Sip.Uris;
using Acd.SipEdge.Bridging;
using Acd.SipEdge.Calls;
using Acd.SipEdge.Legs;
using Microsoft.Extensions.Logging;

namespace Acd.SipEdge.Relay;

/// <summary>
/// The agent edge's half of an edge-to-edge hop: another edge carries the ACD call and INVITEd this edge for a phone
/// whose flow (WebSocket, TCP connection, NAT binding) only this edge holds. This edge places the INVITE on that flow and
/// relays everything between the two dialogs: the answer or failure, CANCEL, BYE, re-INVITEs, INFO, REFER and NOTIFY.
/// It knows nothing of the ACD call; the carrying edge decides.
/// </summary>
internal sealed partial class RelayedCall : IDialogOwner
{
    private readonly EdgeContext _edge;
    private readonly ILogger _logger;
    private readonly CallMailbox _mailbox;
    private readonly Bridge _bridge;
    private readonly Leg _carrier;
    private readonly Leg _phone;
    private readonly List<SipDialogId> _tracked = [];

    public RelayedCall(EdgeContext edge, SipIncomingCall hop, string agentId, string callId)
    {
        _edge = edge;
        _logger = edge.Logger;
        CallId = callId;
        _mailbox = new CallMailbox(ex => LogUnexpected(ex, CallId));
        _bridge = new Bridge(edge.Time);
        _carrier = Leg.FromInvite(LegKind.Caller, "edge", hop, edge.Ua);
        _phone = Leg.ToPlace(LegKind.Agent, agentId, edge.Ua);
    }

    public string CallId { get; }

    /// <summary>Rings the phone over its flow with the carrying edge's offer.</summary>
    public void Start(SipBinding binding)
    {
        var invite = _carrier.Invite!;
        invite.Transaction.AddObserver(new CancelListener(this));
        var request = invite.Invite;
        LogRelaying(CallId, _phone.Party, binding.Contact.ToString(), binding.Flow.ToString());
        var placing = _phone.PlaceAsync(binding.Contact, binding.Flow, request.From!.WithoutParameters(), request.To!, _carrier.Sdp.Remote,
            SdpShape.AsIs, TimeSpan.FromMinutes(5), _edge.Time, configure: copy =>
            {
                foreach (var name in new[] { "P-Asserted-Identity", EdgeHeaders.CallId })
                {
                    if (request.Headers[name] is { } value)
                    {
                        copy.Headers.Add(name, value);
                    }
                }
            });
        _bridge.Pointed(_phone, _carrier, SdpShape.AsIs);
        _ = CompleteAsync(placing);
    }

    private async Task CompleteAsync(Task<SipCallResult> placing)
    {
        SipCallResult? result = null;
        Exception? error = null;
        try
        {
            result = await placing;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            error = ex;
        }

        _mailbox.Post(async () =>
        {
            var answered = _phone.OnPlaced(result, error);
            Track(_phone);
            if (!answered)
            {
                if (result is { Success: true })
                {
                    return; // answered after the carrying edge cancelled: the leg sent BYE
                }

                // Busy, declined, unreachable: the carrying edge sees the phone's own answer (408 when it had none).
                var status = Leg.StatusOf(result) ?? 408;
                _carrier.Stop(_phone.EndReason ?? "failed", status is >= 300 and < 700 ? status : 480);
                Finish();
                return;
            }

            if (!_carrier.Answer(_phone.Sdp.Remote ?? "", SdpShape.AsIs))
            {
                _phone.Stop("the carrying edge cancelled");
                Finish();
                return;
            }

            Track(_carrier);
            _bridge.Pointed(_carrier, _phone, SdpShape.AsIs);
            _bridge.Pair(_carrier, _phone);
            await Task.CompletedTask;
        });
    }

    private void OnCancelled() => _mailbox.Post(() =>
    {
        _carrier.OnCancelled();
        _phone.Stop("cancelled by the carrying edge");
        Finish();
    });

    public Task OnReInviteAsync(SipServerTransaction tx, SipDialog dialog) => _mailbox.RunAsync(async () =>
    {
        var leg = dialog == _carrier.Dialog ? _carrier : _phone;
        var offer = tx.Request.Body.Length > 0 ? tx.Request.BodyText : null;
        var answer = offer is null ? leg.Sdp.LastSent : await _bridge.RelayOfferAsync(leg, offer);
        if (answer is null)
        {
            tx.Respond(tx.CreateResponse(488, "Not Acceptable Here - the other side refused the offer"));
            return;
        }

        var ok = tx.CreateResponse(200);
        ok.Headers.Add(SipHeaderNames.Contact, $"<{dialog.LocalContact}>");
        ok.SetBody("application/sdp", leg.Sdp.Prepare(answer, SdpShape.AsIs));
        dialog.LocalSdp = leg.Sdp.LastSent;
        tx.Respond(ok);
    });

    /// <summary>INFO, REFER, NOTIFY, OPTIONS, UPDATE: the same request on the other dialog; its answer comes back.</summary>
    public Task OnInDialogRequestAsync(SipServerTransaction tx, SipDialog dialog) => _mailbox.RunAsync(async () =>
    {
        var to = dialog == _carrier.Dialog ? _phone : _carrier;
        var request = tx.Request;
        var response = await to.SendAsync(other =>
        {
            var copy = other.CreateRequest(request.Method);
            foreach (var name in RelayedHeaders)
            {
                foreach (var value in request.Headers.GetAll(name))
                {
                    copy.Headers.Add(name, value);
                }
            }

            if (request.Body.Length > 0 && request.ContentType is { } contentType)
            {
                copy.SetBody(contentType, request.BodyText);
            }

            return copy;
        });
        tx.Respond(response is null ? tx.CreateResponse(481) : tx.CreateResponse(response.StatusCode, response.ReasonPhrase));
    });

    private static readonly string[] RelayedHeaders =
        [SipHeaderNames.ReferTo, "Referred-By", SipHeaderNames.Event, "Subscription-State", SipHeaderNames.Replaces];

    public void OnDialogTerminated(SipDialog dialog, bool byRemoteBye) => _mailbox.Post(() =>
    {
        var ended = dialog == _carrier.Dialog ? _carrier : _phone;
        var other = ended == _carrier ? _phone : _carrier;
        ended.OnDialogEnded(byRemoteBye ? "BYE" : "leg lost");
        other.Stop("the other side hung up");
        Finish();
    });

    private void Track(Leg leg)
    {
        if (leg.Dialog is { } dialog)
        {
            _edge.Calls.Track(dialog, this);
            _tracked.Add(dialog.Id);
        }
    }

    private void Finish()
    {
        if (_carrier.State == LegState.Ended && _phone.State == LegState.Ended || _carrier.IsGone && _phone.IsGone)
        {
            _edge.Calls.Forget(this, _tracked);
        }
    }

    private sealed class CancelListener(RelayedCall call) : ISipServerTransactionObserver
    {
        public void OnCancelled(SipServerTransaction transaction) => call.OnCancelled();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId}: relaying another edge's INVITE for agent {AgentId} onto {Contact} via {Flow}")]
    private partial void LogRelaying(string callId, string agentId, string contact, string flow);

    [LoggerMessage(Level = LogLevel.Error, Message = "Call {CallId}: unexpected error in an edge-to-edge hop")]
    private partial void LogUnexpected(Exception ex, string callId);
}
