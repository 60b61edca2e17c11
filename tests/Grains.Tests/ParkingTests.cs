using Acd.Agents;
using Acd.Calls;
using Acd.Common;
using Acd.Grains.Tests.Infrastructure;
using Acd.Parking;

namespace Acd.Grains.Tests;

[Collection(AcdCollection.Name)]
public sealed class ParkingTests(AcdCluster fixture) : AcdTestBase(fixture)
{
    private IParkingLotGrain Lot => Client.GetGrain<IParkingLotGrain>(ParkingLotKeys.Default);

    private async Task<(string Queue, string Agent, string Call)> ConnectedCallAsync()
    {
        var queue = await NewQueueAsync(c => c with { WrapUpSeconds = 0 });
        var agent = await NewAgentAsync([queue]);
        var call = await NewCallAsync(queue);
        Ok(await Call(call).AnswerAsync(agent));
        return (queue, agent, call);
    }

    [Fact]
    public async Task A_parked_call_waits_in_a_slot_without_agent_and_another_agent_retrieves_it()
    {
        var (_, parker, call) = await ConnectedCallAsync();
        var slot = await Call(call).ParkAsync();
        Assert.True(slot.IsSuccess, slot.ToString());

        var parked = await Call(call).GetAsync();
        Assert.Equal(CallStatus.Parked, parked.Status);
        Assert.Equal(slot.Value, parked.ParkedSlot);
        Assert.Null(parked.AgentId);
        Assert.Equal(AgentStatus.Ready, await StatusOf(parker)); // free for other calls while the caller waits
        Assert.Equal(call, (await Lot.GetAsync(slot.Value))!.CallId);
        Assert.Equal(AcdError.IllegalTransition, (await Call(call).ParkAsync()).Error); // a parked call cannot be parked again
        await AdvanceAsync(TimeSpan.FromSeconds(30));

        var retriever = await NewAgentAsync([]);
        Ok(await Call(call).RetrieveAsync(retriever));
        Assert.Equal(CallStatus.Offered, await StatusOfCall(call));
        Assert.Equal(call, (await Lot.GetAsync(slot.Value))!.CallId); // the slot is kept until the retriever answers
        Ok(await Call(call).AnswerAsync(retriever));

        var connected = await Call(call).GetAsync();
        Assert.Equal(CallStatus.Connected, connected.Status);
        Assert.Equal(retriever, connected.AgentId);
        Assert.Null(connected.ParkedSlot);
        Assert.True(connected.TotalHold >= TimeSpan.FromSeconds(30), "parked time counts as hold time");
        Assert.Null(await Lot.GetAsync(slot.Value));
    }

    [Fact]
    public async Task An_unanswered_retrieval_leaves_the_call_in_its_slot()
    {
        var (_, _, call) = await ConnectedCallAsync();
        var slot = (await Call(call).ParkAsync()).Value;
        var retriever = await NewAgentAsync([]);
        Ok(await Call(call).RetrieveAsync(retriever));

        Ok(await Call(call).RejectAsync(retriever));

        var snapshot = await Call(call).GetAsync();
        Assert.Equal(CallStatus.Parked, snapshot.Status);
        Assert.Equal(slot, snapshot.ParkedSlot);
        Assert.Equal(call, (await Lot.GetAsync(slot))!.CallId);
    }

    [Fact]
    public async Task Retrieving_from_the_phone_connects_at_once_and_a_hang_up_while_parked_frees_the_slot()
    {
        var (_, _, call) = await ConnectedCallAsync();
        var slot = (await Call(call).ParkAsync()).Value;
        var busy = await NewAgentAsync([], ready: false);
        Fails(await Call(call).RetrieveAsync(busy, ring: false), AcdError.Busy);
        Assert.Equal(CallStatus.Parked, await StatusOfCall(call));

        var retriever = await NewAgentAsync([]);
        Ok(await Call(call).RetrieveAsync(retriever, ring: false));
        Assert.Equal(CallStatus.Connected, await StatusOfCall(call));
        Assert.Equal(AgentStatus.OnCall, await StatusOf(retriever));

        var (_, _, other) = await ConnectedCallAsync();
        var otherSlot = (await Call(other).ParkAsync()).Value;
        Ok(await Call(other).HangupAsync(HangupSide.Caller));
        var ended = await Call(other).GetAsync();
        Assert.Equal(CallDisposition.Answered, ended.Disposition);
        Assert.Null(await Lot.GetAsync(otherSlot));
    }

    [Fact]
    public async Task Directed_pickup_takes_a_ringing_call_from_another_agent_without_penalising_it()
    {
        var queue = await NewQueueAsync();
        var ringing = await NewAgentAsync([queue]);
        var call = await NewCallAsync(queue);
        Assert.Equal(ringing, (await Call(call).GetAsync()).AgentId);
        var picker = await NewAgentAsync([]);

        Ok(await Call(call).PickupAsync(picker));
        Assert.Equal(AgentStatus.Ready, await StatusOf(ringing)); // not Not Ready "no answer": it was picked up
        var offered = await Call(call).GetAsync();
        Assert.Equal(CallStatus.Offered, offered.Status);
        Assert.Equal(picker, offered.AgentId);
        Ok(await Call(call).AnswerAsync(picker));
        Assert.Equal(1, (await Queue(queue).GetStatsAsync()).Answered);

        Fails(await Call(call).PickupAsync(ringing), AcdError.IllegalTransition); // connected calls are not picked up
    }
}
