namespace Acd.Accounts;

/// <summary>
/// How failed sign-ins of one account slow down the next ones: the first <see cref="FreeFailures"/> cost nothing, then
/// each failure locks the account for <see cref="FirstDelay"/>, doubling per further failure up to <see cref="MaxDelay"/>.
/// Failures are forgotten after a success, or <see cref="ForgetAfter"/> after the last lock ended.
/// </summary>
[GenerateSerializer, Immutable, Alias("acd.SignInBackoff")]
public sealed record SignInBackoff(
    [property: Id(0)] int FreeFailures,
    [property: Id(1)] TimeSpan FirstDelay,
    [property: Id(2)] TimeSpan MaxDelay,
    [property: Id(3)] TimeSpan ForgetAfter)
{
    public static readonly SignInBackoff Default = new(5, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(15));

    /// <summary>The lock after the <paramref name="failures"/>-th failure in a row (zero while failures are free).</summary>
    public TimeSpan DelayAfter(int failures)
    {
        if (failures < Math.Max(1, FreeFailures))
        {
            return TimeSpan.Zero;
        }

        var doublings = Math.Min(failures - Math.Max(1, FreeFailures), 40);
        var delay = FirstDelay.TotalMilliseconds * Math.Pow(2, doublings);
        return TimeSpan.FromMilliseconds(Math.Min(delay, MaxDelay.TotalMilliseconds));
    }
}

/// <summary>The answer to a sign-in attempt: go ahead (and check the password), or wait <see cref="RetryAfter"/>.</summary>
[GenerateSerializer, Immutable, Alias("acd.SignInGate")]
public sealed record SignInGate(
    [property: Id(0)] bool Allowed,
    [property: Id(1)] TimeSpan RetryAfter,
    [property: Id(2)] int Failures);
