using Acd.Agents;
using Acd.Common;
using Acd.Grains.Tests.Infrastructure;

namespace Acd.Grains.Tests;

[Collection(AcdCollection.Name)]
public sealed class AgentTransitionTests(AcdCluster fixture) : AcdTestBase(fixture)
{
    public enum Command { Login, Logout, Ready, NotReady, EndWrapUp, Reserve }

    /// <summary>Puts a fresh agent into the given state through legal steps only.</summary>
    private async Task<(string AgentId, string? CallId)> AgentIn(AgentStatus status)
    {
        var queue = await NewQueueAsync(c => c with { WrapUpSeconds = 30 });
        var agent = await NewAgentAsync([queue], ready: false);
        string? call = null;
        switch (status)
        {
            case AgentStatus.LoggedOut:
                Ok(await Agent(agent).LogoutAsync());
                break;
            case AgentStatus.NotReady:
                break;
            case AgentStatus.Ready:
                Ok(await Agent(agent).SetReadyAsync());
                break;
            default:
                Ok(await Agent(agent).SetReadyAsync());
                call = await NewCallAsync(queue);
                if (status >= AgentStatus.OnCall)
                {
                    Ok(await Call(call).AnswerAsync(agent));
                }

                if (status == AgentStatus.WrapUp)
                {
                    Ok(await Call(call).HangupAsync(Acd.Calls.HangupSide.Caller));
                }

                break;
        }

        Assert.Equal(status, await StatusOf(agent));
        return (agent, call);
    }

    private Task<Result> Run(string agent, Command command) => command switch
    {
        Command.Login => Agent(agent).LoginAsync(),
        Command.Logout => Agent(agent).LogoutAsync(),
        Command.Ready => Agent(agent).SetReadyAsync(),
        Command.NotReady => Agent(agent).SetNotReadyAsync(ReasonCodes.Break),
        Command.EndWrapUp => Agent(agent).EndWrapUpAsync(),
        _ => Plain(Agent(agent).TryReserveAsync("other-call", TimeSpan.FromSeconds(30))),
    };

    // Every command from every state: the resulting state, or the typed error with the state unchanged.
    [Theory]
    [InlineData(AgentStatus.LoggedOut, Command.Login, AgentStatus.NotReady, AcdError.None)]
    [InlineData(AgentStatus.LoggedOut, Command.Logout, AgentStatus.LoggedOut, AcdError.IllegalTransition)]
    [InlineData(AgentStatus.LoggedOut, Command.Ready, AgentStatus.LoggedOut, AcdError.IllegalTransition)]
    [InlineData(AgentStatus.LoggedOut, Command.NotReady, AgentStatus.LoggedOut, AcdError.IllegalTransition)]
    [InlineData(AgentStatus.LoggedOut, Command.EndWrapUp, AgentStatus.LoggedOut, AcdError.IllegalTransition)]
    [InlineData(AgentStatus.LoggedOut, Command.Reserve, AgentStatus.LoggedOut, AcdError.Busy)]
    [InlineData(AgentStatus.NotReady, Command.Login, AgentStatus.NotReady, AcdError.IllegalTransition)]
    [InlineData(AgentStatus.NotReady, Command.Logout, AgentStatus.LoggedOut, AcdError.None)]
    [InlineData(AgentStatus.NotReady, Command.Ready, AgentStatus.Ready, AcdError.None)]
    [InlineData(AgentStatus.NotReady, Command.NotReady, AgentStatus.NotReady, AcdError.None)]
    [InlineData(AgentStatus.NotReady, Command.EndWrapUp, AgentStatus.NotReady, AcdError.IllegalTransition)]
    [InlineData(AgentStatus.NotReady, Command.Reserve, AgentStatus.NotReady, AcdError.Busy)]
    [InlineData(AgentStatus.Ready, Command.Login, AgentStatus.Ready, AcdError.IllegalTransition)]
    [InlineData(AgentStatus.Ready, Command.Logout, AgentStatus.LoggedOut, AcdError.None)]
    [InlineData(AgentStatus.Ready, Command.Ready, AgentStatus.Ready, AcdError.None)]
    [InlineData(AgentStatus.Ready, Command.NotReady, AgentStatus.NotReady, AcdError.None)]
    [InlineData(AgentStatus.Ready, Command.EndWrapUp, AgentStatus.Ready, AcdError.IllegalTransition)]
    [InlineData(AgentStatus.Ready, Command.Reserve, AgentStatus.Reserved, AcdError.None)]
    [InlineData(AgentStatus.Reserved, Command.Login, AgentStatus.Reserved, AcdError.IllegalTransition)]
    [InlineData(AgentStatus.Reserved, Command.Ready, AgentStatus.Reserved, AcdError.IllegalTransition)]
    [InlineData(AgentStatus.Reserved, Command.EndWrapUp, AgentStatus.Reserved, AcdError.IllegalTransition)]
    [InlineData(AgentStatus.Reserved, Command.Reserve, AgentStatus.Reserved, AcdError.Busy)]
    [InlineData(AgentStatus.OnCall, Command.Login, AgentStatus.OnCall, AcdError.IllegalTransition)]
    [InlineData(AgentStatus.OnCall, Command.Ready, AgentStatus.OnCall, AcdError.IllegalTransition)]
    [InlineData(AgentStatus.OnCall, Command.EndWrapUp, AgentStatus.OnCall, AcdError.IllegalTransition)]
    [InlineData(AgentStatus.OnCall, Command.Reserve, AgentStatus.OnCall, AcdError.Busy)]
    [InlineData(AgentStatus.WrapUp, Command.Login, AgentStatus.WrapUp, AcdError.IllegalTransition)]
    [InlineData(AgentStatus.WrapUp, Command.Ready, AgentStatus.Ready, AcdError.None)]
    [InlineData(AgentStatus.WrapUp, Command.EndWrapUp, AgentStatus.Ready, AcdError.None)]
    [InlineData(AgentStatus.WrapUp, Command.Reserve, AgentStatus.WrapUp, AcdError.Busy)]
    public async Task Command_from_state_gives_expected_state_or_typed_error(AgentStatus from, Command command, AgentStatus expected, AcdError error)
    {
        var (agent, _) = await AgentIn(from);
        var before = await Agent(agent).GetAsync();

        var result = await Run(agent, command);

        Assert.Equal(error, result.Error);
        var after = await Agent(agent).GetAsync();
        Assert.Equal(expected, after.Status);
        if (error != AcdError.None)
        {
            Assert.Equal(
                (before.Status, before.ReasonCode, before.CallId, before.StateSince, before.PendingReasonCode, before.PendingLogout),
                (after.Status, after.ReasonCode, after.CallId, after.StateSince, after.PendingReasonCode, after.PendingLogout));
        }
    }

    [Theory]
    [InlineData(AgentStatus.Reserved)]
    [InlineData(AgentStatus.OnCall)]
    [InlineData(AgentStatus.WrapUp)]
    public async Task Not_ready_and_logout_during_a_call_wait_for_the_call_to_end(AgentStatus during)
    {
        var (agent, call) = await AgentIn(during);

        Ok(await Agent(agent).SetNotReadyAsync(ReasonCodes.Lunch));
        var pending = await Agent(agent).GetAsync();
        Assert.Equal(during, pending.Status);
        Assert.Equal(ReasonCodes.Lunch, pending.PendingReasonCode);

        if (during != AgentStatus.WrapUp)
        {
            Ok(await Call(call!).HangupAsync(Acd.Calls.HangupSide.Caller));
        }

        if (during == AgentStatus.OnCall)
        {
            Assert.Equal(AgentStatus.WrapUp, await StatusOf(agent));
        }

        if (await StatusOf(agent) == AgentStatus.WrapUp)
        {
            Ok(await Agent(agent).EndWrapUpAsync());
        }

        var done = await Agent(agent).GetAsync();
        Assert.Equal(AgentStatus.NotReady, done.Status);
        Assert.Equal(ReasonCodes.Lunch, done.ReasonCode);
        Assert.Null(done.PendingReasonCode);
    }

    [Fact]
    public async Task Logout_during_a_call_logs_out_after_the_call()
    {
        var (agent, call) = await AgentIn(AgentStatus.OnCall);
        Ok(await Agent(agent).LogoutAsync());
        Assert.True((await Agent(agent).GetAsync()).PendingLogout);

        Ok(await Call(call!).HangupAsync(Acd.Calls.HangupSide.Agent));
        Ok(await Agent(agent).EndWrapUpAsync());

        Assert.Equal(AgentStatus.LoggedOut, await StatusOf(agent));
    }

    [Fact]
    public async Task Unknown_reason_code_is_refused_and_configured_codes_are_accepted()
    {
        var (agent, _) = await AgentIn(AgentStatus.Ready);
        Fails(await Agent(agent).SetNotReadyAsync("coffee"), AcdError.InvalidArgument);
        Assert.Equal(AgentStatus.Ready, await StatusOf(agent));

        var catalog = Client.GetGrain<Acd.Catalog.ICatalogGrain>(Acd.Catalog.CatalogKeys.Default);
        var original = await catalog.GetReasonCodesAsync();
        try
        {
            Ok(await catalog.SetReasonCodesAsync(["coffee", "Training"]));
            Ok(await Agent(agent).SetNotReadyAsync("Coffee"));
            var snapshot = await Agent(agent).GetAsync();
            Assert.Equal("coffee", snapshot.ReasonCode);
            Assert.Contains(ReasonCodes.NoAnswer, await catalog.GetReasonCodesAsync());
        }
        finally
        {
            Ok(await catalog.SetReasonCodesAsync([.. original.Except(ReasonCodes.System)]));
        }
    }

    [Fact]
    public async Task Unconfigured_agent_cannot_log_in_and_invalid_profiles_are_refused()
    {
        var ghost = Unique("ghost");
        Fails(await Agent(ghost).LoginAsync(), AcdError.NotFound);
        Fails(await Agent(ghost).ConfigureAsync(AgentProfile.Create("", "1")), AcdError.InvalidArgument);
        Fails(await Agent(ghost).ConfigureAsync(AgentProfile.Create("x", "1", new Dictionary<string, int> { ["fr"] = 11 })), AcdError.InvalidArgument);
        Assert.False((await Agent(ghost).GetAsync()).IsConfigured);
    }

    [Fact]
    public async Task Time_in_state_and_bounded_history_are_kept()
    {
        var (agent, _) = await AgentIn(AgentStatus.Ready);
        await AdvanceAsync(TimeSpan.FromSeconds(42));
        Ok(await Agent(agent).SetNotReadyAsync(ReasonCodes.Break));
        var history = await Agent(agent).GetHistoryAsync();
        var last = history[^1];
        Assert.Equal(AgentStatus.Ready, last.From);
        Assert.Equal(AgentStatus.NotReady, last.To);
        Assert.Equal(ReasonCodes.Break, last.ReasonCode);
        Assert.Equal(TimeSpan.FromSeconds(42), last.TimeInPrevious);

        await AdvanceAsync(TimeSpan.FromSeconds(7));
        var snapshot = await Agent(agent).GetAsync();
        Assert.Equal(TimeSpan.FromSeconds(7), snapshot.TimeInState(Fixture.Time.GetUtcNow()));

        for (var i = 0; i < 120; i++)
        {
            Ok(await Agent(agent).SetReadyAsync());
            Ok(await Agent(agent).SetNotReadyAsync(ReasonCodes.Break));
        }

        Assert.Equal(Grains.Agents.AgentState.HistoryLimit, (await Agent(agent).GetHistoryAsync()).Length);
    }

    [Fact]
    public async Task Deleting_a_logged_in_agent_is_refused()
    {
        var (agent, _) = await AgentIn(AgentStatus.Ready);
        Fails(await Agent(agent).DeleteAsync(), AcdError.IllegalTransition);
        Ok(await Agent(agent).LogoutAsync());
        Ok(await Agent(agent).DeleteAsync());
        Assert.False((await Agent(agent).GetAsync()).IsConfigured);
    }

    private static async Task<Result> Plain(Task<Result<AgentReservation>> reserve)
    {
        var result = await reserve;
        return result.IsSuccess ? Result.Ok : Result.Fail(result.Error, result.Message!);
    }
}
