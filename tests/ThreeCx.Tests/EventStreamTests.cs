using Acd.ThreeCx.Events;
using Acd.ThreeCx.Tests.Infrastructure;
using Acd.ThreeCx.Tests.StandIn;

namespace Acd.ThreeCx.Tests;

public sealed class EventStreamTests
{
    private const string Rp = StandInServer.RoutePoint;
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task A_caller_ringing_on_the_route_point_is_reported_and_modelled()
    {
        await using var h = await Harness.StartAsync();
        var stream = await h.StartStreamAsync();
        Assert.Contains(h.Observer.Health, s => s.Healthy);

        var id = h.Phones.InjectCaller(Rp, "+4930555", "Ada Lovelace");
        await Harness.EventuallyAsync(() => h.Observer.Changes.Any(c => c.Participant.Id == id), "the caller is reported");
        var change = h.Observer.Changes.Single(c => c.Participant.Id == id);
        Assert.Null(change.Previous);
        Assert.True(change.Participant.IsRinging);
        Assert.Equal("+4930555", change.Participant.PartyCallerId);
        Assert.Equal("sales", h.Options.ResolveQueue(change.Participant.Dn, change.Participant.PartyDid));
        Assert.Equal(id, Assert.Single(stream.Model.ParticipantsOf(Rp)).Id);

        // Answered: the same participant changes, with what it was before.
        await h.Pbx.Client.AnswerAsync(Rp, id);
        await Harness.EventuallyAsync(() => h.Observer.Changes.Count(c => c.Participant.Id == id) == 2, "the answer is reported");
        var answered = h.Observer.Changes.Last();
        Assert.True(answered.Participant.IsConnected);
        Assert.True(answered.Previous!.IsRinging);
    }

    [Fact]
    public async Task Repeated_and_out_of_order_upserts_give_one_participant()
    {
        await using var h = await Harness.StartAsync();
        var stream = await h.StartStreamAsync();
        var caller = h.Phones.InjectCaller(Rp, "+4930111", "Repeated");
        var gone = h.Phones.InjectCaller(Rp, "+4930222", "Gone");
        h.Phones.HangUp(gone);
        for (var i = 0; i < 5; i++)
        {
            h.Phones.SendEvent(0, StandInPbx.Entity(Rp, caller));
        }

        // An upsert arriving after the participant's Remove: its GET answers 404, nothing comes back to life.
        h.Phones.SendEvent(0, StandInPbx.Entity(Rp, gone));
        var marker = await h.FlushAsync();

        Assert.Single(h.Observer.Changes, c => c.Participant.Id == caller);
        Assert.Equal([caller, marker], stream.Model.ParticipantsOf(Rp).Select(p => p.Id).Where(i => i != gone));
        h.Time.Advance(TimeSpan.FromSeconds(2));
        await Harness.EventuallyAsync(() => stream.Model.Find(Rp, gone) is null && stream.Model.PendingRemovals == 0, "the hung-up caller is removed");
        Assert.Equal([caller, marker], stream.Model.ParticipantsOf(Rp).Select(p => p.Id));
        Assert.DoesNotContain(h.Observer.Removals, r => r.Id == caller);
    }

    [Fact]
    public async Task A_socket_drop_reconnects_and_the_snapshot_closes_a_call_that_ended_while_blind()
    {
        await using var h = await Harness.StartAsync();
        var stream = await h.StartStreamAsync();
        var ended = h.Phones.InjectCaller(Rp, "+4930111", "Ends while blind");
        await Harness.EventuallyAsync(() => stream.Model.Find(Rp, ended) is not null, "the caller is known");

        h.Server.DropSockets();
        await Harness.EventuallyAsync(() => !stream.Health.Healthy, "the stream notices the drop");
        Assert.NotNull(stream.Health.Reason);
        Assert.Contains(h.Observer.Health, s => !s.Healthy);

        // While nobody listens, one call ends and another begins: both events are lost.
        h.Phones.HangUp(ended);
        var started = h.Phones.InjectCaller(Rp, "+4930222", "Starts while blind");

        await h.AdvanceUntilAsync(() => stream.Connections == 2 && stream.Health.Healthy, Second, "the stream reconnects");
        await Harness.EventuallyAsync(() => stream.Model.Find(Rp, started) is not null, "the snapshot brings the new caller");
        await Harness.EventuallyAsync(() => stream.Model.PendingRemovals == 1, "the snapshot misses the ended call");
        Assert.Empty(h.Observer.Removals);

        h.Time.Advance(TimeSpan.FromSeconds(2));
        await Harness.EventuallyAsync(() => !h.Observer.Removals.IsEmpty, "the ended call is reported removed");
        var removal = Assert.Single(h.Observer.Removals);
        Assert.Equal((Rp, ended, ThreeCxRemovalReason.MissingFromSnapshot), (removal.Dn, removal.Id, removal.Reason));
        Assert.Equal("+4930111", removal.LastKnown.PartyCallerId);
        Assert.Single(h.Observer.Changes, c => c.Participant.Id == started);
        Assert.True(h.Server.Tokens.IsValid(await h.Pbx.Tokens.GetTokenAsync()));
    }

    [Fact]
    public async Task A_participant_vanishing_for_a_second_is_no_removal_but_one_gone_for_good_is()
    {
        await using var h = await Harness.StartAsync();
        var stream = await h.StartStreamAsync();
        var id = h.Phones.InjectCaller(Rp, "+4930111", "Ring wave");
        await Harness.EventuallyAsync(() => stream.Model.Find(Rp, id) is not null, "the caller is known");

        var leg = h.Phones.Vanish(id);
        await Harness.EventuallyAsync(() => stream.Model.PendingRemovals == 1, "the Remove event is seen");
        Assert.NotNull(stream.Model.Find(Rp, id)); // still listed during the grace: an extension does not look idle
        h.Time.Advance(Second);
        h.Phones.Reappear(leg);
        await Harness.EventuallyAsync(() => stream.Model.PendingRemovals == 0, "the return is seen");
        h.Time.Advance(TimeSpan.FromSeconds(3));
        await h.FlushAsync();
        Assert.Empty(h.Observer.Removals);
        Assert.Single(h.Observer.Changes, c => c.Participant.Id == id);

        h.Phones.Vanish(id);
        await Harness.EventuallyAsync(() => stream.Model.PendingRemovals == 1, "the second Remove event is seen");
        h.Time.Advance(TimeSpan.FromMilliseconds(1999));
        await h.FlushAsync();
        Assert.Empty(h.Observer.Removals);
        h.Time.Advance(TimeSpan.FromMilliseconds(1));
        await Harness.EventuallyAsync(() => !h.Observer.Removals.IsEmpty, "the removal is reported");
        Assert.Equal(ThreeCxRemovalReason.RemoveEvent, Assert.Single(h.Observer.Removals).Reason);
        Assert.Null(stream.Model.Find(Rp, id));
    }

    [Fact]
    public async Task The_periodic_snapshot_repairs_a_missed_remove()
    {
        await using var h = await Harness.StartAsync(o => o.SnapshotSeconds = 45);
        var stream = await h.StartStreamAsync();
        var id = h.Phones.InjectCaller(Rp, "+4930111", "Missed remove");
        await Harness.EventuallyAsync(() => stream.Model.Find(Rp, id) is not null, "the caller is known");
        var snapshots = h.Server.SnapshotRequests;

        h.Phones.HangUp(id, sendEvent: false);
        h.Time.Advance(TimeSpan.FromSeconds(44));
        await h.FlushAsync();
        Assert.Equal(snapshots, h.Server.SnapshotRequests);

        h.Time.Advance(Second);
        await Harness.EventuallyAsync(() => stream.Model.PendingRemovals == 1, "the snapshot misses the call");
        Assert.Equal(snapshots + 1, h.Server.SnapshotRequests);
        h.Time.Advance(TimeSpan.FromSeconds(2));
        await Harness.EventuallyAsync(() => !h.Observer.Removals.IsEmpty, "the removal is reported");
        Assert.Equal(ThreeCxRemovalReason.MissingFromSnapshot, Assert.Single(h.Observer.Removals).Reason);
    }

    [Fact]
    public async Task An_upsert_on_a_dn_reconciles_that_dn_alone()
    {
        await using var h = await Harness.StartAsync();
        var stream = await h.StartStreamAsync();
        var onRp = h.Phones.InjectCaller(Rp, "+4930111", "On the route point");
        await h.Pbx.Client.DivertAsync(Rp, onRp, "101");
        var atAgent = h.Phones.LegsOn("101").Single().Id;
        var other = h.Phones.InjectCaller(Rp, "+4930222", "Stays");
        await Harness.EventuallyAsync(() => stream.Model.Find("101", atAgent) is not null && stream.Model.Find(Rp, other) is not null, "both are known");

        h.Phones.HangUp(atAgent, sendEvent: false);
        h.Phones.HangUp(other, sendEvent: false);
        h.Phones.SendEvent(0, "/callcontrol/101");
        // The divert's own Remove of the Route Point leg may also be pending (when the stream knew that leg): only the
        // extension's leg and the diverted one may be reported, never the caller still listed on the Route Point.
        await Harness.EventuallyAsync(() => stream.Model.PendingRemovals >= 1, "the DN's missing participant is seen");
        await h.AdvanceUntilAsync(() => h.Observer.Removals.Any(r => r.Dn == "101" && r.Id == atAgent), TimeSpan.FromMilliseconds(500),
            "the removal is reported");
        Assert.All(h.Observer.Removals, r => Assert.True((r.Dn, r.Id) == ("101", atAgent) || (r.Dn, r.Id) == (Rp, onRp), $"unexpected removal {r.Dn}/{r.Id}"));
        Assert.NotNull(stream.Model.Find(Rp, other)); // another DN waits for its own event or the next snapshot
    }

    [Fact]
    public async Task Digits_pressed_by_the_caller_are_reported()
    {
        await using var h = await Harness.StartAsync();
        await h.StartStreamAsync();
        var id = h.Phones.InjectCaller(Rp, "+4930111", "Presses keys");
        h.Phones.SendDtmf(Rp, id, "12#");
        await Harness.EventuallyAsync(() => !h.Observer.Dtmf.IsEmpty, "the digits are reported");
        Assert.Equal(new RecordingObserver.Digits(Rp, id, "12#"), Assert.Single(h.Observer.Dtmf));
    }

    [Fact]
    public async Task A_socket_upgrade_refused_with_401_gets_a_new_token()
    {
        await using var h = await Harness.StartAsync();
        var stream = await h.StartStreamAsync();
        h.Server.Tokens.IssueElsewhere(StandInServer.RoutePoint);
        h.Server.DropSockets();

        await h.AdvanceUntilAsync(() => stream.Connections == 2 && stream.Health.Healthy, Second, "the stream reconnects");
        Assert.Equal(2, h.Server.Tokens.Requests);
        Assert.True(h.Server.Tokens.IsValid(await h.Pbx.Tokens.GetTokenAsync()));
    }

    [Fact]
    public async Task An_unreachable_pbx_is_unhealthy_and_retried_with_growing_waits()
    {
        await using var h = await Harness.StartAsync(o => o.BaseUrl = "http://127.0.0.1:1");
        var stream = h.Pbx.CreateEventStream(h.Observer);
        using var stop = new CancellationTokenSource();
        var running = stream.RunAsync(stop.Token);
        await Harness.EventuallyAsync(() => h.Observer.Health.Any(s => !s.Healthy), "the failure is reported");
        Assert.False(stream.Health.Healthy);
        Assert.Contains("token", stream.Health.Reason);
        Assert.Equal(0, stream.Connections);
        await stop.CancelAsync();
        await running;
    }
}
