using Acd.Accounts;
using Acd.Common;
using Acd.Grains.Hosting;

namespace Acd.Grains.Accounts;

public sealed class UserAccountGrain(
    [PersistentState("account", AcdStorage.GrainState)] IPersistentState<UserAccountState> state,
    TimeProvider time) : Grain, IUserAccountGrain
{
    /// <summary>Sessions kept per account; the oldest are dropped beyond this.</summary>
    public const int MaxSessions = 50;

    private UserAccountState State => state.State;

    private int _failures;
    private DateTimeOffset _lockedUntil;

    public Task<UserAccount?> GetAsync() => Task.FromResult(State.Account);

    public async Task<Result> CreateAsync(UserAccount account)
    {
        ArgumentNullException.ThrowIfNull(account);
        if (State.Account is not null)
        {
            return Result.Fail(AcdError.Conflict, $"User '{account.Username}' already exists.");
        }

        State.Account = account;
        State.Sessions.Clear();
        await state.WriteStateAsync();
        return Result.Ok;
    }

    public async Task<Result> UpdateAsync(UserAccount account)
    {
        ArgumentNullException.ThrowIfNull(account);
        if (State.Account is not { } current)
        {
            return Result.Fail(AcdError.NotFound, $"User '{account.Username}' does not exist.");
        }

        if (!string.Equals(current.PasswordHash, account.PasswordHash, StringComparison.Ordinal) || account.Disabled)
        {
            State.Sessions.Clear();
        }

        State.Account = account with { CreatedAt = current.CreatedAt };
        await state.WriteStateAsync();
        return Result.Ok;
    }

    public async Task<Result> DeleteAsync()
    {
        if (State.Account is null)
        {
            return Result.Fail(AcdError.NotFound, "User does not exist.");
        }

        await state.ClearStateAsync();
        state.State = new UserAccountState();
        return Result.Ok;
    }

    public async Task<Result> StartSessionAsync(RefreshSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (State.Account is not { } account)
        {
            return Result.Fail(AcdError.NotFound, "User does not exist.");
        }

        if (account.Disabled)
        {
            return Result.Fail(AcdError.Conflict, "User is disabled.");
        }

        Prune();
        State.Sessions[session.SessionId] = session;
        while (State.Sessions.Count > MaxSessions)
        {
            var oldest = State.Sessions.Values.MinBy(s => s.RotatedAt)!;
            State.Sessions.Remove(oldest.SessionId);
        }

        await state.WriteStateAsync();
        return Result.Ok;
    }

    public async Task<Result<RefreshSession>> RotateSessionAsync(string sessionId, string presentedTokenHash, string newTokenHash,
        DateTimeOffset expiresAt)
    {
        if (State.Account is not { Disabled: false } || !State.Sessions.TryGetValue(sessionId, out var session))
        {
            return Result.Fail(AcdError.NotFound, "Unknown or revoked session.");
        }

        var now = time.GetUtcNow();
        if (session.ExpiresAt <= now)
        {
            State.Sessions.Remove(sessionId);
            await state.WriteStateAsync();
            return Result.Fail(AcdError.NotFound, "Session expired.");
        }

        if (!FixedTimeEquals(session.TokenHash, presentedTokenHash))
        {
            // An old token of this session was replayed: someone else may hold the current one.
            State.Sessions.Remove(sessionId);
            await state.WriteStateAsync();
            return Result.Fail(AcdError.Conflict, "Refresh token reuse detected; the session was revoked.");
        }

        var rotated = session with { TokenHash = newTokenHash, RotatedAt = now, ExpiresAt = expiresAt };
        State.Sessions[sessionId] = rotated;
        await state.WriteStateAsync();
        return Result<RefreshSession>.Ok(rotated);
    }

    public Task<bool> IsSessionActiveAsync(string sessionId) =>
        Task.FromResult(State.Account is { Disabled: false }
            && State.Sessions.TryGetValue(sessionId, out var session)
            && session.ExpiresAt > time.GetUtcNow());

    public async Task RevokeSessionAsync(string sessionId)
    {
        if (State.Sessions.Remove(sessionId))
        {
            await state.WriteStateAsync();
        }
    }

    public async Task RevokeAllSessionsAsync()
    {
        if (State.Sessions.Count > 0)
        {
            State.Sessions.Clear();
            await state.WriteStateAsync();
        }
    }

    public Task<SignInGate> BeginSignInAsync(SignInBackoff backoff)
    {
        ArgumentNullException.ThrowIfNull(backoff);
        var now = time.GetUtcNow();
        if (_failures > 0 && now >= _lockedUntil + backoff.ForgetAfter)
        {
            _failures = 0;
        }

        if (now < _lockedUntil)
        {
            // Refused attempts do not count: they did not get to test a password.
            return Task.FromResult(new SignInGate(false, _lockedUntil - now, _failures));
        }

        _failures++;
        var delay = backoff.DelayAfter(_failures);
        _lockedUntil = now + delay;
        if (delay > TimeSpan.Zero)
        {
            // The count is only in memory: keep it for as long as it matters.
            DelayDeactivation(delay + backoff.ForgetAfter);
        }

        return Task.FromResult(new SignInGate(true, TimeSpan.Zero, _failures));
    }

    public Task SignInSucceededAsync()
    {
        _failures = 0;
        _lockedUntil = default;
        return Task.CompletedTask;
    }

    private void Prune()
    {
        var now = time.GetUtcNow();
        foreach (var expired in State.Sessions.Values.Where(s => s.ExpiresAt <= now).Select(s => s.SessionId).ToList())
        {
            State.Sessions.Remove(expired);
        }
    }

    private static bool FixedTimeEquals(string a, string b) =>
        System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
            System.Text.Encoding.UTF8.GetBytes(a), System.Text.Encoding.UTF8.GetBytes(b));
}
