using System.Globalization;
using System.Text.RegularExpressions;
using Acd.Agents;
using Acd.Calls;
using Acd.Queues;
using Acd.Reporting.Queries;
using Microsoft.Extensions.DependencyInjection;

namespace Acd.SipEdge.Tests;

/// <summary>
/// Internal calls on real SIP legs (SIPp phones): an agent dials a colleague's extension on its phone, or places the call
/// from the desktop (its own phone rings first). Both agents are on the call, a customer who calls meanwhile waits for
/// somebody else, and afterwards both are back where they were, with an internal call record. On an anchoring edge (each
/// phone talks to the media engine, in its own profile) and a direct one (the phones' own descriptions are passed on).
/// </summary>
public abstract partial class SipEdgeInternalCallTests(EdgeHost host)
{
    /// <summary>Gives the agent an extension no other agent of the shared host has (theirs are random 3-digit ones).</summary>
    private async Task<string> UniqueExtensionAsync(string agentId)
    {
        var extension = "8" + Random.Shared.Next(1_000_000, 9_999_999).ToString(CultureInfo.InvariantCulture);
        var agent = host.Grains.GetGrain<IAgentGrain>(agentId);
        var profile = (await agent.GetAsync()).Profile!;
        Assert.True((await agent.ConfigureAsync(profile with { Extension = extension })).IsSuccess);
        return extension;
    }

    [Fact]
    public async Task A_colleagues_extension_dialled_on_the_phone_is_an_internal_call_that_keeps_both_agents_from_acd_calls()
    {
        var (queueId, number) = await host.CreateQueueAsync(ringTimeoutSeconds: 20);
        var caller = await host.CreateAgentAsync(queueId); // Not Ready ("login") while it calls
        var callee = await host.ReadyAgentAsync(queueId);
        var third = await host.CreateAgentAsync(queueId);
        var extension = await UniqueExtensionAsync(callee);
        await using var calleePhone = await host.StartPhoneAsync(callee, "agent-answer-loop.xml");
        await using var thirdPhone = await host.StartPhoneAsync(third, "agent-answer-loop.xml");
        var callerPort = Sipp.FreeUdpPort();
        await host.RegisterPhoneAsync(caller, callerPort);

        await using var callerPhone = Sipp.Start("agent-dial-internal.xml", host.SipPort, callerPort, extension, 60,
            extraArguments: ["-set", "agent", caller]);
        var call = await host.ConnectedCallAsync(callee);
        var snapshot = await call.GetAsync();
        Assert.Equal(CallDirection.Internal, snapshot.Info!.Direction);
        Assert.Equal(caller, snapshot.CallerAgentId);
        Assert.Equal(extension, snapshot.Info.Dnis);
        Assert.Equal(AgentStatus.OnCall, (await host.AgentAsync(caller)).Status);
        Assert.Equal(snapshot.CallId, (await host.AgentAsync(caller)).CallId);

        // A customer calls the queue both colleagues serve: it waits, and the third agent takes it once Ready.
        await using var customer = Sipp.Start("caller-wait-bye.xml", host.SipPort, Sipp.FreeUdpPort(), number, 60);
        var queue = host.Grains.GetGrain<IQueueGrain>(queueId);
        await EdgeHost.Eventually(async () => (await queue.GetStatsAsync()).Waiting == 1, "the customer to wait in the queue");
        Assert.Equal(AgentStatus.OnCall, (await host.AgentAsync(caller)).Status);
        Assert.Equal(snapshot.CallId, (await host.AgentAsync(callee)).CallId);
        Assert.True((await host.Grains.GetGrain<IAgentGrain>(third).SetReadyAsync()).IsSuccess);
        var customerCall = await host.ConnectedCallAsync(third);
        Assert.True((await customerCall.HangupAsync(HangupSide.Agent)).IsSuccess);
        await customer.AssertSucceededAsync();
        await thirdPhone.AssertSucceededAsync();

        // The caller hangs up on its phone (its cue: the INFO the edge sends for this DTMF): the colleague gets BYE.
        Assert.True((await call.SendDtmfAsync("1")).IsSuccess);
        await callerPhone.AssertSucceededAsync();
        await calleePhone.AssertSucceededAsync();
        await EdgeHost.Eventually(async () => (await call.GetAsync()).IsEnded, "the internal call to end");
        Assert.Equal(CallDisposition.Answered, (await call.GetAsync()).Disposition);
        Assert.Contains($"sip:{caller}@", calleePhone.Messages, StringComparison.Ordinal); // the colleague's phone showed who called
        await EdgeHost.Eventually(async () => (await host.AgentAsync(callee)).Status == AgentStatus.Ready, "the colleague to be Ready again");
        var callerAfter = await host.AgentAsync(caller);
        Assert.Equal(AgentStatus.NotReady, callerAfter.Status);
        Assert.Equal(ReasonCodes.Login, callerAfter.ReasonCode);

        var record = await RecordAsync(snapshot.CallId);
        Assert.Equal(CallDirection.Internal, record.Direction);
        Assert.Equal(CallDisposition.Answered, record.Disposition);
        Assert.Equal(caller, record.Ani);
        Assert.Equal(callee, record.AgentId);
        Assert.Null(record.QueueId);
        Assert.Equal(1, (await queue.GetStatsAsync()).Offered); // the customer only
        await host.WaitReleasedAsync(snapshot.CallId);
    }

    [Fact]
    public async Task A_busy_colleague_is_answered_486_on_the_phone()
    {
        var (queueId, number) = await host.CreateQueueAsync(ringTimeoutSeconds: 20);
        var caller = await host.CreateAgentAsync(queueId);
        var callee = await host.CreateAgentAsync(queueId);
        var extension = await UniqueExtensionAsync(callee);
        await using var calleePhone = await host.StartPhoneAsync(callee, "agent-answer-loop.xml");
        Assert.True((await host.Grains.GetGrain<IAgentGrain>(callee).SetReadyAsync()).IsSuccess);
        await using var customer = Sipp.Start("caller-loop.xml", host.SipPort, Sipp.FreeUdpPort(), number);
        var customerCall = await host.ConnectedCallAsync(callee);
        var callerPort = Sipp.FreeUdpPort();
        await host.RegisterPhoneAsync(caller, callerPort);

        await using (var dialling = Sipp.Start("agent-dial-busy.xml", host.SipPort, callerPort, extension, extraArguments: ["-set", "agent", caller]))
        {
            await dialling.AssertSucceededAsync();
        }

        Assert.Equal(AgentStatus.NotReady, (await host.AgentAsync(caller)).Status);
        Assert.Equal((await customerCall.GetAsync()).CallId, (await host.AgentAsync(callee)).CallId);
        Assert.True((await customerCall.HangupAsync(HangupSide.Agent)).IsSuccess);
        await customer.AssertSucceededAsync();
        await calleePhone.AssertSucceededAsync();
    }

    [Fact]
    public async Task From_the_desktop_the_callers_phone_rings_first_then_the_colleagues_and_they_talk()
    {
        var (queueId, _) = await host.CreateQueueAsync(ringTimeoutSeconds: 20);
        var caller = await host.ReadyAgentAsync(queueId);
        var callee = await host.CreateAgentAsync(queueId);
        await using var callerPhone = await host.StartPhoneAsync(caller, "agent-answer-loop.xml");
        await using var calleePhone = await host.StartPhoneAsync(callee, "agent-answer-loop.xml");

        var placed = await host.Edge.DialInternalAsync(caller, callee,
            new CallInfo(caller, callee, $"Agent {caller}", CallDirection.Internal, 0, null, null, null));
        Assert.NotNull(placed);
        Assert.True(placed.Value.IsSuccess, placed.Value.ToString());
        var call = host.Grains.GetGrain<ICallGrain>(placed.Value.Value!.CallId);
        await EdgeHost.Eventually(async () => (await call.GetAsync()).Status == CallStatus.Connected, "the colleagues to be connected");
        Assert.Equal(AgentStatus.OnCall, (await host.AgentAsync(caller)).Status);
        Assert.Equal(AgentStatus.OnCall, (await host.AgentAsync(callee)).Status);

        Assert.True((await call.HangupAsync(HangupSide.Agent)).IsSuccess);
        await callerPhone.AssertSucceededAsync();
        await calleePhone.AssertSucceededAsync();

        Assert.Contains($"sip:{caller}@", calleePhone.Messages, StringComparison.Ordinal);
        Assert.DoesNotContain("a=inactive", calleePhone.Messages, StringComparison.Ordinal);
        if (host.Anchored)
        {
            // Each phone was offered the engine's own description (plain RTP for these UDP phones), which bridges the two:
            // nobody is re-INVITEd.
            Assert.DoesNotContain("a=inactive", callerPhone.Messages, StringComparison.Ordinal);
            Assert.Contains("o=- ", callerPhone.Messages, StringComparison.Ordinal);
            Assert.Contains("o=- ", calleePhone.Messages, StringComparison.Ordinal);
            Assert.Contains("RTP/AVP", callerPhone.Messages, StringComparison.Ordinal);
            Assert.Single(InvitesReceived().Matches(callerPhone.Messages));
        }
        else
        {
            // The caller's phone was rung with the placeholder, then re-INVITEd with the colleague's media; the colleague got
            // the caller's own.
            Assert.Contains("a=inactive", callerPhone.Messages, StringComparison.Ordinal);
            Assert.True(InvitesReceived().Matches(callerPhone.Messages).Count >= 2, "the caller's phone got its INVITE and then a re-INVITE");
        }

        Assert.Equal(AgentStatus.Ready, (await host.AgentAsync(caller)).Status);
        Assert.Equal(AgentStatus.NotReady, (await host.AgentAsync(callee)).Status);
        var record = await RecordAsync(placed.Value.Value.CallId);
        Assert.Equal(CallDirection.Internal, record.Direction);
        Assert.Equal(caller, record.Ani);
        await host.WaitReleasedAsync(placed.Value.Value.CallId);
    }

    private async Task<CallRecord> RecordAsync(string callId)
    {
        var queries = host.App.Services.GetRequiredService<IReportingQueries>();
        CallRecord? record = null;
        await EdgeHost.Eventually(async () => (record = await queries.GetCallAsync(callId)) is { Status: CallStatus.Ended },
            $"the ended record of call {callId}");
        return record!;
    }

    [GeneratedRegex(@"^\s*INVITE sip:", RegexOptions.Multiline)]
    private static partial Regex InvitesReceived();
}

[Collection(EdgeCollection.Name)]
public sealed class AnchoredInternalCallTests(EdgeHost host) : SipEdgeInternalCallTests(host);

[Collection(DirectEdgeCollection.Name)]
public sealed class DirectInternalCallTests(DirectEdgeHost host) : SipEdgeInternalCallTests(host);
