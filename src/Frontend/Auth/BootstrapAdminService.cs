using System.Collections.Immutable;
using System.Security.Cryptography;
using Acd.Accounts;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Acd.Frontend.Auth;

/// <summary>
/// On first start creates the "admin" account with Bootstrap:AdminPassword, or a random password that is logged once.
/// </summary>
public sealed partial class BootstrapAdminService(
    IGrainFactory grains,
    PasswordHasher hasher,
    IOptions<BootstrapOptions> options,
    TimeProvider time,
    ILogger<BootstrapAdminService> logger) : IHostedService
{
    public const string AdminUsername = "admin";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var grain = TokenService.Account(grains, AdminUsername);
        if (await grain.GetAsync() is not null)
        {
            return;
        }

        var configured = options.Value.AdminPassword;
        var password = string.IsNullOrEmpty(configured) ? Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(18)) : configured;
        var now = time.GetUtcNow();
        var created = await grain.CreateAsync(new UserAccount(AdminUsername, hasher.Hash(password),
            ImmutableArray.Create(Roles.Admin, Roles.Supervisor), null, null, false, now, now));
        if (!created.IsSuccess)
        {
            return;
        }

        if (string.IsNullOrEmpty(configured))
        {
            LogGeneratedPassword(logger, AdminUsername, password);
        }
        else
        {
            LogCreated(logger, AdminUsername);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Created the '{Username}' account with the generated password '{Password}'. It is shown only this once: sign in and change it (or set Bootstrap:AdminPassword before the first start).")]
    private static partial void LogGeneratedPassword(ILogger logger, string username, string password);

    [LoggerMessage(Level = LogLevel.Information, Message = "Created the '{Username}' account with the password from Bootstrap:AdminPassword.")]
    private static partial void LogCreated(ILogger logger, string username);
}
