using System.Collections.Concurrent;
using System.Net;
using System.Text.RegularExpressions;
using Acd.Agents;
using Acd.Calls;
using Acd.Sip;
using Acd.Sip.Auth;
using Acd.Sip.Dialogs;
using Acd.Sip.Headers;
using Acd.Sip.Messages;
using Acd.Sip.Transactions;
using Acd.Sip.Transports;
using Acd.Sip.Uris;

namespace Acd.SipEdge.Tests;

/// <summary>
/// Attended transfer set up on the agent's own phone (RFC 3891): it holds the customer, calls a colleague's queue,
/// talks, and REFERs the customer call with Replaces naming the consultation. SIPp cannot hold two dialogs and send a
/// REFER naming one from the other, so the transferring phone is the project's own SIP stack; the customer and the
/// consulted agent are SIPp.
/// </summary>
public abstract class SipEdgeAttendedReferTests(EdgeHost host)
{
    private const string PhoneSdp = "v=0\r\no=phone 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 41000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n";
    private const string HeldSdp = "v=0\r\no=phone 1 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 41000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendonly\r\n";

    [Fact]
    public async Task Refer_with_replaces_hands_the_customer_to_the_agent_of_the_consultation_call()
    {
        var (sales, salesNumber) = await host.CreateQueueAsync(ringTimeoutSeconds: 20);
        var (helpdesk, helpdeskNumber) = await host.CreateQueueAsync(ringTimeoutSeconds: 20);
        var transferring = await host.ReadyAgentAsync(sales);
        var consulted = await host.ReadyAgentAsync(helpdesk);
        await using var consultedPhone = await host.StartPhoneAsync(consulted, "agent-answer-loop.xml");

        await using var phone = await OwnPhone.StartAsync(host, transferring);
        var ua = phone.Agent;
        await using var caller = Sipp.Start("caller-loop.xml", host.SipPort, Sipp.FreeUdpPort(), salesNumber, 60);
        var customerLeg = await phone.Answered.Task.WaitAsync(TimeSpan.FromSeconds(15));
        var customerCall = await host.ConnectedCallAsync(transferring);

        // Hold the customer from the phone, then call the helpdesk as the agent (digest), where the colleague answers.
        Assert.Equal(200, (await ua.ReInviteAsync(customerLeg, HeldSdp)).StatusCode);
        await EdgeHost.Eventually(async () => (await customerCall.GetAsync()).Status == CallStatus.Held, "the customer call held");
        var edge = SipUri.Parse($"sip:{helpdeskNumber}@127.0.0.1:{host.SipPort}");
        var consultation = await ua.InviteAsync(edge, new SipNameAddress(SipUri.Parse($"sip:{transferring}@127.0.0.1")), new SipNameAddress(edge),
            PhoneSdp, new SipTarget(SipTransportKind.Udp, new IPEndPoint(IPAddress.Loopback, host.SipPort)),
            new DigestClient(transferring, EdgeHost.SipPassword));
        Assert.True(consultation.FinalResponse.IsSuccess, consultation.FinalResponse.ToString());
        var consultationLeg = consultation.Dialog!;
        var consultationCall = await host.ConnectedCallAsync(consulted);
        var consultationCallId = (await consultationCall.GetAsync()).CallId;

        // REFER the customer to the helpdesk number, replacing the consultation dialog.
        var refer = customerLeg.CreateRefer(SipUri.Parse($"sip:{helpdeskNumber}@127.0.0.1"), consultationLeg.ToReplacesForPeer());
        Assert.Equal(202, (await ua.SendInDialogAsync(customerLeg, refer)).StatusCode);
        await EdgeHost.Eventually(() => Task.FromResult(phone.Notified.Any(n => n.StartsWith("SIP/2.0 200", StringComparison.Ordinal))),
            "a NOTIFY with sipfrag 200");
        Assert.Equal(200, (await ua.ByeAsync(customerLeg)).StatusCode);

        // The edge ended the replaced consultation dialog, the customer now talks to the colleague.
        await EdgeHost.Eventually(() => Task.FromResult(!ua.Dialogs.Contains(consultationLeg)), "the consultation dialog ended by the edge");
        var taken = await customerCall.GetAsync();
        Assert.Equal(CallStatus.Connected, taken.Status);
        Assert.Equal(consulted, taken.AgentId);
        Assert.Equal(taken.CallId, (await host.AgentAsync(consulted)).CallId);
        Assert.NotEqual(AgentStatus.OnCall, (await host.AgentAsync(transferring)).Status);
        var ended = await consultationCall.GetAsync();
        Assert.Equal(CallDisposition.Transferred, ended.Disposition);

        Assert.True((await customerCall.HangupAsync(HangupSide.Agent)).IsSuccess);
        await caller.AssertSucceededAsync();
        await consultedPhone.AssertSucceededAsync();
        var colleagueMedia = Regex.Match(consultedPhone.Messages, @"o=agent[\s\S]*?(m=audio \d+ )");
        Assert.True(colleagueMedia.Success, "the colleague's phone sent its SDP");
        if (host.Anchored)
        {
            // The customer's media joined the consultation inside the engine: the customer heard nothing of it in SIP.
            Assert.DoesNotContain(colleagueMedia.Groups[1].Value, caller.Messages, StringComparison.Ordinal);
        }
        else
        {
            // The customer was re-INVITEd towards the colleague's phone: its media port (the edge keeps its own o= lines).
            Assert.Contains(colleagueMedia.Groups[1].Value, caller.Messages, StringComparison.Ordinal);
        }
        var record = await host.EndedCallAsync(sales);
        Assert.Equal(consulted, record.AgentId);
        await host.WaitReleasedAsync(taken.CallId);
        await host.WaitReleasedAsync(consultationCallId);
    }

    [Fact]
    public async Task Refer_with_replaces_naming_no_call_of_the_edge_is_refused()
    {
        var (sales, salesNumber) = await host.CreateQueueAsync(ringTimeoutSeconds: 20);
        var transferring = await host.ReadyAgentAsync(sales);
        await using var phone = await OwnPhone.StartAsync(host, transferring);
        var ua = phone.Agent;
        await using var caller = Sipp.Start("caller-loop.xml", host.SipPort, Sipp.FreeUdpPort(), salesNumber, 60);
        var customerLeg = await phone.Answered.Task.WaitAsync(TimeSpan.FromSeconds(15));
        var customerCall = await host.ConnectedCallAsync(transferring);

        var refer = customerLeg.CreateRefer(SipUri.Parse("sip:2000@127.0.0.1"), new SipReplaces("no-such-call", "a", "b", false));
        Assert.Equal(481, (await ua.SendInDialogAsync(customerLeg, refer)).StatusCode);
        Assert.Equal(CallStatus.Connected, (await customerCall.GetAsync()).Status);
        Assert.Equal(transferring, (await customerCall.GetAsync()).AgentId);

        Assert.True((await customerCall.HangupAsync(HangupSide.Agent)).IsSuccess);
        await caller.AssertSucceededAsync();
    }

    /// <summary>The agent's phone as the project's own UA: registered for the agent, answers the first call, keeps NOTIFY bodies.</summary>
    private sealed class OwnPhone : IAsyncDisposable, ISipUserAgentHandler
    {
        private readonly SipStack _stack;

        private OwnPhone(SipStack stack, string agentId)
        {
            _stack = stack;
            Agent = new SipUserAgent(stack, this) { ContactUser = agentId };
        }

        Task ISipUserAgentHandler.OnIncomingCallAsync(SipIncomingCall call)
        {
            if (call.Answer(PhoneSdp) is { } dialog)
            {
                Answered.TrySetResult(dialog);
            }

            return Task.CompletedTask;
        }

        Task ISipUserAgentHandler.OnRequestAsync(SipServerTransaction transaction) => Answer200(transaction);

        Task ISipUserAgentHandler.OnInDialogRequestAsync(SipServerTransaction transaction, SipDialog dialog) => Answer200(transaction);

        private Task Answer200(SipServerTransaction tx)
        {
            if (tx.Request.Method == SipMethods.Notify)
            {
                Notified.Enqueue(tx.Request.BodyText ?? "");
            }

            tx.Respond(tx.CreateResponse(200));
            return Task.CompletedTask;
        }

        public SipUserAgent Agent { get; }

        public TaskCompletionSource<SipDialog> Answered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ConcurrentQueue<string> Notified { get; } = new();

        /// <summary>Registers from a free port with SIPp (digest), then listens on that port: the edge rings the registered contact.</summary>
        public static async Task<OwnPhone> StartAsync(EdgeHost host, string agentId)
        {
            var port = Sipp.FreeUdpPort();
            await host.RegisterPhoneAsync(agentId, port);
            var stack = new SipStack();
            stack.AddUdp(new IPEndPoint(IPAddress.Loopback, port));
            await stack.StartAsync();
            return new OwnPhone(stack, agentId);
        }

        public ValueTask DisposeAsync() => _stack.DisposeAsync();
    }
}

[Collection(EdgeCollection.Name)]
public sealed class AnchoredAttendedReferTests(EdgeHost host) : SipEdgeAttendedReferTests(host);

[Collection(DirectEdgeCollection.Name)]
public sealed class DirectAttendedReferTests(DirectEdgeHost host) : SipEdgeAttendedReferTests(host);
