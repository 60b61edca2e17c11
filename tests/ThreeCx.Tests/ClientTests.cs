using Acd.ThreeCx.Rest;
using Acd.ThreeCx.Tests.Infrastructure;
using Acd.ThreeCx.Tests.StandIn;

namespace Acd.ThreeCx.Tests;

public sealed class ClientTests
{
    private const string Rp = StandInServer.RoutePoint;

    [Fact]
    public async Task A_401_is_retried_once_with_a_new_token()
    {
        await using var h = await Harness.StartAsync();
        Assert.Equal(3, (await h.Pbx.Client.GetSnapshotAsync()).Count);

        // Another application signs in with the same client id: 3CX's one live token is now theirs.
        h.Server.Tokens.IssueElsewhere(StandInServer.RoutePoint);
        var snapshot = await h.Pbx.Client.GetSnapshotAsync();
        Assert.Equal(["101", "102", Rp], snapshot.Select(d => d.Dn).Order(StringComparer.Ordinal));
        Assert.Equal(2, h.Server.Tokens.Requests);
    }

    [Fact]
    public async Task Concurrent_401s_renew_the_token_only_once()
    {
        await using var h = await Harness.StartAsync();
        await h.Pbx.Client.GetSnapshotAsync();
        h.Server.Tokens.IssueElsewhere(StandInServer.RoutePoint);

        await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => h.Pbx.Client.GetSnapshotAsync()));
        Assert.Equal(2, h.Server.Tokens.Requests);
    }

    [Fact]
    public async Task A_fresh_token_refused_again_fails_after_the_one_retry()
    {
        // Tokens dead on arrival: the retry gets a new one, which fails too, and the client stops there.
        await using var h = await Harness.StartAsync(configureServer: s => s.Tokens.Lifetime = TimeSpan.Zero);
        var error = await Assert.ThrowsAsync<ThreeCxApiException>(() => h.Pbx.Client.GetSnapshotAsync());
        Assert.Equal(401, error.StatusCode);
        Assert.Equal(2, h.Server.Tokens.Requests);
    }

    [Fact]
    public async Task A_caller_on_the_route_point_is_read_with_the_documented_fields_and_is_null_once_gone()
    {
        await using var h = await Harness.StartAsync();
        var id = h.Phones.InjectCaller(Rp, "+4930555", "Ada Lovelace");
        var caller = await h.Pbx.Client.GetParticipantAsync(Rp, id);
        Assert.NotNull(caller);
        Assert.True(caller.IsRinging);
        Assert.Equal(Rp, caller.Dn);
        Assert.Equal("+4930555", caller.PartyCallerId);
        Assert.Equal("Ada Lovelace", caller.PartyCallerName);
        Assert.Equal(ThreeCxDnType.ExternalLine, caller.PartyDnType);
        Assert.True(caller.CallId > 0);
        Assert.Equal("sales", h.Options.ResolveQueue(caller.Dn, caller.PartyDid));
        Assert.Single(await h.Pbx.Client.GetParticipantsAsync(Rp));

        h.Phones.HangUp(id);
        Assert.Null(await h.Pbx.Client.GetParticipantAsync(Rp, id));
        var dropped = await h.Pbx.Client.DropAsync(Rp, id);
        Assert.True(dropped.ParticipantGone);
        Assert.False(dropped.Succeeded);
    }

    [Fact]
    public async Task Routeto_is_held_open_until_the_agent_answers()
    {
        await using var h = await Harness.StartAsync();
        var id = h.Phones.InjectCaller(Rp, "+4930555", "Ada");
        var routing = h.Pbx.Client.RouteToAsync(Rp, id, "101", timeoutSeconds: 20);
        await Harness.EventuallyAsync(() => h.Phones.LegsOn("101").Any(l => l.Status == "Ringing"), "the agent's phone rings");
        Assert.False(routing.IsCompleted);

        var agentLeg = h.Phones.AnswerPhone("101");
        var result = await routing;
        Assert.True(result.Succeeded);
        var agent = await h.Pbx.Client.GetParticipantAsync("101", agentLeg);
        Assert.True(agent!.IsConnected);
        Assert.Equal("+4930555", agent.PartyCallerId);
    }

    [Fact]
    public async Task Routeto_fails_when_its_timeout_passes_and_the_caller_keeps_its_place()
    {
        await using var h = await Harness.StartAsync();
        var id = h.Phones.InjectCaller(Rp, "+4930555", "Ada");
        var routing = h.Pbx.Client.RouteToAsync(Rp, id, "101", timeoutSeconds: 20);
        await Harness.EventuallyAsync(() => h.Phones.LegsOn("101").Any(l => l.Status == "Ringing"), "the agent's phone rings");

        h.Time.Advance(TimeSpan.FromSeconds(19));
        Assert.Single(h.Phones.LegsOn("101"));
        h.Time.Advance(TimeSpan.FromSeconds(2));

        var result = await routing;
        Assert.False(result.Succeeded);
        Assert.Equal("Failure", result.FinalStatus);
        Assert.Empty(h.Phones.LegsOn("101"));
        var caller = await h.Pbx.Client.GetParticipantAsync(Rp, id);
        Assert.True(caller!.IsRinging);
    }

    [Fact]
    public async Task Divert_works_while_ringing_and_is_refused_once_connected()
    {
        await using var h = await Harness.StartAsync();
        var answered = h.Phones.InjectCaller(Rp, "+4930111", "First");
        Assert.True((await h.Pbx.Client.AnswerAsync(Rp, answered)).Succeeded);
        var refused = await h.Pbx.Client.DivertAsync(Rp, answered, "101");
        Assert.False(refused.Succeeded);
        Assert.Equal(400, refused.HttpStatus);
        Assert.Contains("ringing", refused.ReasonText);
        Assert.True((await h.Pbx.Client.GetParticipantAsync(Rp, answered))!.IsConnected);

        var ringing = h.Phones.InjectCaller(Rp, "+4930222", "Second");
        Assert.True((await h.Pbx.Client.DivertAsync(Rp, ringing, "101")).Succeeded);
        Assert.Null(await h.Pbx.Client.GetParticipantAsync(Rp, ringing));
        var atAgent = Assert.Single(await h.Pbx.Client.GetParticipantsAsync("101"));
        Assert.True(atAgent.IsRinging);
        Assert.Equal("+4930222", atAgent.PartyCallerId);
        Assert.Equal(Rp, atAgent.ReferredByDn);
    }

    [Fact]
    public async Task Answer_needs_a_route_point_and_transferto_needs_a_connected_participant()
    {
        await using var h = await Harness.StartAsync();
        var caller = h.Phones.InjectCaller(Rp, "+4930333", "Third");
        await h.Pbx.Client.DivertAsync(Rp, caller, "101");
        var agentLeg = h.Phones.LegsOn("101").Single().Id;

        Assert.False((await h.Pbx.Client.AnswerAsync("101", agentLeg)).Succeeded); // an extension without direct_control
        Assert.False((await h.Pbx.Client.TransferToAsync("101", agentLeg, "102")).Succeeded); // still ringing

        h.Phones.AnswerPhone("101");
        var transfer = await h.Pbx.Client.TransferToAsync("101", agentLeg, "102");
        Assert.True(transfer.Succeeded);
        Assert.Empty(h.Phones.LegsOn("101"));
        Assert.Equal("+4930333", h.Phones.LegsOn("102").Single().PartyCallerId);
    }

    [Fact]
    public async Task Makecall_rings_from_the_extension_or_one_of_its_devices()
    {
        await using var h = await Harness.StartAsync();
        var fromDn = await h.Pbx.Client.MakeCallAsync("101", new ThreeCxMakeCallRequest { Destination = "+4930444" });
        Assert.True(fromDn.Succeeded);
        Assert.Equal("101", fromDn.Result!.Dn);
        Assert.Equal("+4930444", fromDn.Result.PartyDn);

        var device = (await h.Pbx.Client.GetDevicesAsync("102")).Single().DeviceId;
        Assert.Equal("sip:102@192.0.2.6:5060", device);
        var fromDevice = await h.Pbx.Client.MakeCallFromDeviceAsync("102", device, new ThreeCxMakeCallRequest { Destination = "101" });
        Assert.True(fromDevice.Succeeded);
        Assert.Equal(device, fromDevice.Result!.DeviceId);

        var unknown = await h.Pbx.Client.MakeCallFromDeviceAsync("102", "sip:nobody@192.0.2.9", new ThreeCxMakeCallRequest { Destination = "101" });
        Assert.False(unknown.Succeeded);
    }

    [Fact]
    public async Task Audio_uploaded_as_one_chunked_stream_arrives_byte_for_byte_and_caller_audio_is_read()
    {
        await using var h = await Harness.StartAsync();
        var id = h.Phones.InjectCaller(Rp, "+4930555", "Ada");
        await h.Pbx.Client.AnswerAsync(Rp, id);

        // 20 ms frames of 8 kHz 16-bit PCM, each with its own pattern so order and completeness show.
        var frames = Enumerable.Range(0, 25).Select(i => Enumerable.Range(0, 320).Select(b => (byte)(i * 7 + b)).ToArray()).ToArray();
        Assert.True(await h.Pbx.Client.SendAudioAsync(Rp, id, Frames(frames)));
        var received = await h.Phones.UploadsCompleted[id].Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(frames.SelectMany(f => f).ToArray(), received);

        var fromCaller = Enumerable.Range(0, 1600).Select(b => (byte)(b % 251)).ToArray();
        h.Phones.CallerAudio[id] = fromCaller;
        await using (var audio = await h.Pbx.Client.OpenAudioAsync(Rp, id))
        {
            using var copy = new MemoryStream();
            await audio!.CopyToAsync(copy);
            Assert.Equal(fromCaller, copy.ToArray());
        }

        h.Phones.HangUp(id);
        Assert.Null(await h.Pbx.Client.OpenAudioAsync(Rp, id));
    }

    [Fact]
    public async Task An_upload_refused_with_401_before_it_started_is_retried_with_a_new_token()
    {
        await using var h = await Harness.StartAsync();
        var id = h.Phones.InjectCaller(Rp, "+4930555", "Ada");
        await h.Pbx.Client.AnswerAsync(Rp, id);
        h.Server.Tokens.IssueElsewhere(StandInServer.RoutePoint);

        var stream = new MemoryStream([1, 2, 3, 4, 5, 6]);
        Assert.True(await h.Pbx.Client.SendAudioAsync(Rp, id, stream));
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 6 }, await h.Phones.UploadsCompleted[id].Task.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(2, h.Server.Tokens.Requests);
    }

    private static async IAsyncEnumerable<ReadOnlyMemory<byte>> Frames(byte[][] frames)
    {
        foreach (var frame in frames)
        {
            await Task.Yield();
            yield return frame;
        }
    }

    [Fact]
    public void Event_entities_are_parsed_into_participant_and_dn_keys()
    {
        Assert.True(ThreeCxClient.TryParseParticipantPath("/callcontrol/150/participants/8106", out var dn, out var id));
        Assert.Equal(("150", 8106), (dn, id));
        Assert.False(ThreeCxClient.TryParseParticipantPath("/callcontrol/150/participants/x", out _, out _));
        Assert.False(ThreeCxClient.TryParseParticipantPath("/callcontrol/150/devices/abc", out _, out _));
        Assert.True(ThreeCxClient.TryParseDnPath("/callcontrol/150", out var only));
        Assert.Equal("150", only);
        Assert.False(ThreeCxClient.TryParseDnPath("/callcontrol/150/participants/1", out _));
    }
}
