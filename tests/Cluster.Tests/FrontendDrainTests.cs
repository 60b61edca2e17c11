using System.Diagnostics;
using System.Globalization;
using System.Net;
using Xunit.Abstractions;

namespace Acd.Cluster.Tests;

/// <summary>
/// A rolling restart of a frontend with calls up drops none: on SIGTERM the frontend turns unready, refuses new calls with
/// 503 and Retry-After (a trunk sends them to another frontend), keeps the calls whose legs it holds until the callers
/// hang up, and only then exits; it comes back and takes calls again.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class FrontendDrainTests(ClusterFixture cluster, ITestOutputHelper output)
{
    private const int Calls = 2;
    private const int TalkMs = 12_000;

    [Fact]
    public async Task A_frontend_restarted_with_calls_up_drains_them_to_their_end_and_refuses_new_ones()
    {
        var (queueId, number) = await cluster.CreateQueueAsync("drain", ringTimeoutSeconds: 15);
        var phones = new List<Sipp>();
        var leaving = cluster.Frontends[0];
        try
        {
            for (var i = 0; i < Calls; i++)
            {
                phones.Add((await cluster.CreateAgentAsync(queueId, frontend: 0)).Phone);
            }

            await using var callers = Sipp.Start("drain-callers", "caller.xml", cluster.SipPorts[0], Sipp.FreeUdpPort(), number, cluster.LogDirectory,
            [
                "-set", "prefix", "800",
                "-m", Calls.ToString(CultureInfo.InvariantCulture),
                "-l", Calls.ToString(CultureInfo.InvariantCulture),
                "-d", TalkMs.ToString(CultureInfo.InvariantCulture),
                "-timeout", "90s",
            ]);
            await ClusterFixture.Eventually(async () => (await cluster.CallsAsync(queueId)).Count(r => r.ConnectedAt is not null) == Calls,
                $"{Calls} calls connected on frontend 1", TimeSpan.FromSeconds(30));

            // The rolling restart reaches frontend 1 while both calls are up.
            var clock = Stopwatch.StartNew();
            var stopping = leaving.StopAsync(TimeSpan.FromSeconds(90));
            await ClusterFixture.Eventually(async () => await StatusAsync(leaving.BaseUrl + "/health/ready") != HttpStatusCode.OK,
                "frontend 1 to turn unready", TimeSpan.FromSeconds(10));

            await using (var refused = Sipp.Start("drain-refused", "caller-refused.xml", cluster.SipPorts[0], Sipp.FreeUdpPort(), number,
                             cluster.LogDirectory, ["-m", "1", "-timeout", "20s", "-timeout_error"]))
            {
                Assert.True(await refused.WaitForExitAsync(TimeSpan.FromSeconds(30)) == 0, $"the new call was not refused 503:\n{refused.Output()}");
            }

            Assert.False(stopping.IsCompleted, "frontend 1 exited with calls up");
            Assert.True(await callers.WaitForExitAsync(TimeSpan.FromSeconds(60)) == 0, $"a call up was dropped:\n{callers.Output()}");
            Assert.Equal((Calls, 0), callers.Totals());
            await stopping.WaitAsync(TimeSpan.FromSeconds(30));
            var drained = clock.Elapsed;
            Assert.False(leaving.IsRunning);

            await ClusterFixture.Eventually(async () => (await cluster.CallsAsync(queueId)).Count(r => r.Status == "Ended") == Calls,
                $"{Calls} ended call records", TimeSpan.FromSeconds(30));
            Assert.All(await cluster.CallsAsync(queueId), r => Assert.Equal("Answered", r.Disposition));
            output.WriteLine($"DRAIN: {Calls} calls up at SIGTERM talked to their end; frontend 1 exited {drained.TotalSeconds:F1} s after SIGTERM");
        }
        finally
        {
            foreach (var phone in phones)
            {
                await phone.DisposeAsync();
            }

            if (!leaving.IsRunning)
            {
                leaving.Start();
            }

            await leaving.WaitHealthyAsync(cluster.Http, "/health/ready", TimeSpan.FromSeconds(90));
        }
    }

    private async Task<HttpStatusCode?> StatusAsync(string url)
    {
        try
        {
            using var response = await cluster.Http.GetAsync(url);
            return response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }
}
