using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Acd.Accounts;
using Acd.Frontend.Auth;
using Acd.Frontend.Hosting;
using Acd.Frontend.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Acd.Frontend.Tests;

/// <summary>
/// Sign-in limits: per account against guessing, per address only as a high ceiling (agents behind one NAT). Each test
/// has its own host; the back-off's timing is covered with a fake clock in the grain tests (SignInBackoffTests).
/// </summary>
public sealed class SignInLimitTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Twenty_wrong_passwords_for_one_account_are_stopped_and_the_right_one_waits_too()
    {
        // A first lock of ten minutes: whatever the machine's speed, no lock ends during the test.
        await using var host = await AcdHost.StartAsync(new Dictionary<string, string?>
        {
            ["RateLimits:SignIn:FirstDelaySeconds"] = "600",
            ["RateLimits:SignIn:MaxDelaySeconds"] = "3600",
        });
        using var admin = await host.AdminAsync();
        var created = await admin.PostAsJsonAsync("api/v1/users", new { username = "Grace", password = "grace-pass-1", roles = new[] { "supervisor" } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using var client = host.Client();

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? last = null;
        for (var i = 0; i < 20; i++)
        {
            // Case does not open a second budget: usernames are compared case-normalised.
            last = await client.PostAsJsonAsync("api/v1/auth/token", new { username = i % 2 == 0 ? "grace" : " GRACE", password = $"guess-{i}" });
            statuses.Add(last.StatusCode);
        }

        output.WriteLine("20 wrong passwords: " + string.Join(", ", statuses.Select(s => (int)s)));
        Assert.Equal(Enumerable.Repeat(HttpStatusCode.Unauthorized, 5).Concat(Enumerable.Repeat(HttpStatusCode.TooManyRequests, 15)), statuses);
        var problem = await Problems.AssertAsync(last!, HttpStatusCode.TooManyRequests);
        var retryAfter = last!.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value.TotalSeconds, 590, 600);
        Assert.Equal((int)retryAfter.Value.TotalSeconds, problem.GetProperty("retryAfterSeconds").GetInt32());
        Assert.Contains("retry in", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        // The lock holds against the right password too, otherwise it would be no limit.
        await Problems.AssertAsync(await client.PostAsJsonAsync("api/v1/auth/token", new { username = "grace", password = "grace-pass-1" }),
            HttpStatusCode.TooManyRequests);

        // Other accounts from the same address are not affected; unknown usernames are limited alike.
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("api/v1/auth/token", new { username = "admin", password = AcdHost.AdminPassword })).StatusCode);
        var unknown = new List<HttpStatusCode>();
        for (var i = 0; i < 7; i++)
        {
            unknown.Add((await client.PostAsJsonAsync("api/v1/auth/token", new { username = "no-such-user", password = "guess" })).StatusCode);
        }

        Assert.Equal(Enumerable.Repeat(HttpStatusCode.Unauthorized, 5).Concat(Enumerable.Repeat(HttpStatusCode.TooManyRequests, 2)), unknown);
    }

    [Fact]
    public async Task Password_change_with_a_valid_token_is_limited_like_sign_in()
    {
        await using var host = await AcdHost.StartAsync(new Dictionary<string, string?> { ["RateLimits:SignIn:FirstDelaySeconds"] = "600" });
        using var admin = await host.AdminAsync();
        Assert.Equal(HttpStatusCode.Created,
            (await admin.PostAsJsonAsync("api/v1/users", new { username = "sup1", password = "super-pass-1", roles = new[] { "supervisor" } })).StatusCode);
        using var supervisor = host.Client((await host.LoginAsync("sup1", "super-pass-1")).AccessToken);
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 7; i++)
        {
            statuses.Add((await supervisor.PostAsJsonAsync("api/v1/auth/password", new { currentPassword = $"guess-{i}", newPassword = "new-pass-123" })).StatusCode);
        }

        Assert.Equal(Enumerable.Repeat(HttpStatusCode.Forbidden, 5).Concat(Enumerable.Repeat(HttpStatusCode.TooManyRequests, 2)), statuses);
    }

    [Fact]
    public async Task Five_hundred_agents_sign_in_from_one_address_under_the_default_ceiling()
    {
        // The product's default per-address ceiling (the test hosts raise it otherwise), in a window of an hour so the
        // count cannot start over during the test however slow the machine is.
        var ceiling = new RateLimitOptions().Auth.PermitLimit;
        Assert.Equal(1000, ceiling);
        await using var host = await AcdHost.StartAsync(new Dictionary<string, string?>
        {
            ["RateLimits:Auth:PermitLimit"] = ceiling.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["RateLimits:Auth:WindowSeconds"] = "3600",
        });

        const int agents = 500;
        var grains = host.Services.GetRequiredService<IGrainFactory>();
        var hasher = host.Services.GetRequiredService<PasswordHasher>();
        var now = DateTimeOffset.UtcNow;
        var ids = Enumerable.Range(0, agents).Select(i => $"shift-{i:D3}").ToList();
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (id, _) =>
        {
            var account = new UserAccount(id, hasher.Hash("agent-pass-1"), ImmutableArray.Create(Roles.Agent), id, null, false, now, now);
            Assert.True((await grains.GetGrain<IUserAccountGrain>(id).CreateAsync(account)).IsSuccess);
        });

        using var client = host.Client();
        var failures = new ConcurrentBag<string>();
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (id, ct) =>
        {
            var response = await client.PostAsJsonAsync("api/v1/auth/token", new { username = id, password = "agent-pass-1" }, ct);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                failures.Add($"{id}: {(int)response.StatusCode}");
            }
        });
        clock.Stop();
        output.WriteLine($"{agents} sign-ins from one address took {clock.ElapsedMilliseconds} ms");
        Assert.Empty(failures);

        // The ceiling is still there, and refresh shares it: the rest of the window's budget, then 429.
        for (var i = agents; i < ceiling; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsJsonAsync("api/v1/auth/refresh", new { refreshToken = "a.b.c" })).StatusCode);
        }

        var limited = await client.PostAsJsonAsync("api/v1/auth/refresh", new { refreshToken = "a.b.c" });
        await Problems.AssertAsync(limited, HttpStatusCode.TooManyRequests);
        Assert.NotNull(limited.Headers.RetryAfter);
    }
}
