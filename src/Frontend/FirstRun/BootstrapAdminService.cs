using System.Collections.Immutable;
using System.Security.Cryptography;
using Acd.Accounts;
using Acd.Frontend.Auth;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Acd.Frontend.FirstRun;

/// <summary>
/// On first start creates the "admin" account with Bootstrap:AdminPassword, or a random password that the start-up
/// banner shows once and that must be changed at the first sign-in.
/// </summary>
public sealed partial class BootstrapAdminService(
    IGrainFactory grains,
    PasswordHasher hasher,
    IOptions<BootstrapOptions> options,
    FirstRunState firstRun,
    TimeProvider time,
    ILogger<BootstrapAdminService> logger) : IHostedService
{
    public const string AdminUsername = "admin";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var grain = TokenService.Account(grains, AdminUsername);
        if (await grain.GetAsync() is { } existing)
        {
            firstRun.Record(existing.MustChangePassword ? AdminBootstrap.ExistingUnchanged : AdminBootstrap.Existing);
            return;
        }

        var configured = options.Value.AdminPassword;
        var generated = string.IsNullOrEmpty(configured);
        var password = generated ? Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(18)) : configured!;
        var now = time.GetUtcNow();
        // A generated password has been in a log: it is good for one sign-in that sets the real one. A configured one
        // comes from the operator's own secret store and stays.
        var created = await grain.CreateAsync(new UserAccount(AdminUsername, hasher.Hash(password),
            ImmutableArray.Create(Roles.Admin, Roles.Supervisor), null, null, false, now, now, MustChangePassword: generated));
        if (!created.IsSuccess)
        {
            // Another frontend of the cluster created it at the same moment.
            firstRun.Record(AdminBootstrap.Existing);
            return;
        }

        firstRun.Record(generated ? AdminBootstrap.Generated : AdminBootstrap.Configured, generated ? password : null);
        LogCreated(logger, AdminUsername, generated ? "a generated password (see the start-up banner)" : "the password from Bootstrap:AdminPassword");
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Created the '{Username}' account with {PasswordSource}.")]
    private static partial void LogCreated(ILogger logger, string username, string passwordSource);
}
