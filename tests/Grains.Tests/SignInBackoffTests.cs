using Acd.Accounts;
using Acd.Grains.Tests.Infrastructure;

namespace Acd.Grains.Tests;

/// <summary>The per-account sign-in back-off kept by the account grain, driven by the fake clock only.</summary>
[Collection(AcdCollection.Name)]
public sealed class SignInBackoffTests(AcdCluster fixture) : AcdTestBase(fixture)
{
    private static readonly SignInBackoff Backoff = new(5, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(15));

    private IUserAccountGrain Account(string name) => Client.GetGrain<IUserAccountGrain>(name);

    [Fact]
    public void The_delay_is_free_for_the_first_failures_then_doubles_up_to_the_cap()
    {
        Assert.Equal(TimeSpan.Zero, Backoff.DelayAfter(1));
        Assert.Equal(TimeSpan.Zero, Backoff.DelayAfter(4));
        Assert.Equal(TimeSpan.FromSeconds(1), Backoff.DelayAfter(5));
        Assert.Equal(TimeSpan.FromSeconds(2), Backoff.DelayAfter(6));
        Assert.Equal(TimeSpan.FromSeconds(16), Backoff.DelayAfter(9));
        Assert.Equal(TimeSpan.FromSeconds(30), Backoff.DelayAfter(10));
        Assert.Equal(TimeSpan.FromSeconds(30), Backoff.DelayAfter(int.MaxValue));
    }

    [Fact]
    public async Task Failures_lock_the_account_with_a_growing_back_off_and_refusals_do_not_count()
    {
        var account = Account(Unique("nobody"));
        for (var i = 1; i <= 4; i++)
        {
            var free = await account.BeginSignInAsync(Backoff);
            Assert.True(free.Allowed);
            Assert.Equal(i, free.Failures);
        }

        Assert.True((await account.BeginSignInAsync(Backoff)).Allowed); // the fifth: allowed, then a 1 s lock
        var refused = await account.BeginSignInAsync(Backoff);
        Assert.False(refused.Allowed);
        Assert.Equal(TimeSpan.FromSeconds(1), refused.RetryAfter);

        await AdvanceAsync(TimeSpan.FromMilliseconds(400));
        for (var i = 0; i < 10; i++)
        {
            Assert.False((await account.BeginSignInAsync(Backoff)).Allowed);
        }

        Assert.Equal(TimeSpan.FromMilliseconds(600), (await account.BeginSignInAsync(Backoff)).RetryAfter);
        await AdvanceAsync(TimeSpan.FromMilliseconds(600));
        var sixth = await account.BeginSignInAsync(Backoff);
        Assert.True(sixth.Allowed);
        Assert.Equal(6, sixth.Failures);
        Assert.Equal(TimeSpan.FromSeconds(2), (await account.BeginSignInAsync(Backoff)).RetryAfter);

        var waits = new List<TimeSpan>();
        for (var i = 0; i < 6; i++)
        {
            var gate = await account.BeginSignInAsync(Backoff);
            waits.Add(gate.RetryAfter);
            await AdvanceAsync(gate.RetryAfter);
            Assert.True((await account.BeginSignInAsync(Backoff)).Allowed);
        }

        Assert.Equal([2, 4, 8, 16, 30, 30], waits.Select(w => w.TotalSeconds));
    }

    [Fact]
    public async Task Parallel_attempts_cannot_slip_past_the_free_failures()
    {
        var account = Account(Unique("racer"));
        var gates = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => account.BeginSignInAsync(Backoff)));
        Assert.Equal(5, gates.Count(g => g.Allowed));
    }

    [Fact]
    public async Task A_success_forgets_the_failures_and_so_does_a_quiet_quarter_hour()
    {
        var account = Account(Unique("agent"));
        for (var i = 0; i < 5; i++)
        {
            await account.BeginSignInAsync(Backoff);
        }

        Assert.False((await account.BeginSignInAsync(Backoff)).Allowed);
        await AdvanceAsync(TimeSpan.FromSeconds(1));
        Assert.True((await account.BeginSignInAsync(Backoff)).Allowed);
        await account.SignInSucceededAsync();
        for (var i = 1; i <= 4; i++)
        {
            Assert.Equal(i, (await account.BeginSignInAsync(Backoff)).Failures);
        }

        Assert.True((await account.BeginSignInAsync(Backoff)).Allowed);
        Assert.False((await account.BeginSignInAsync(Backoff)).Allowed);
        await AdvanceAsync(TimeSpan.FromSeconds(1) + TimeSpan.FromMinutes(15));
        Assert.Equal(1, (await account.BeginSignInAsync(Backoff)).Failures);
    }
}
