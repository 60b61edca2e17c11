namespace Acd.Frontend.FirstRun;

public static class FirstRunExtensions
{
    /// <summary>The admin bootstrap and the start-up banner that tells how to sign in.</summary>
    public static IServiceCollection AddFirstRun(this IServiceCollection services)
    {
        services.AddSingleton<FirstRunState>();
        services.AddHostedService<BootstrapAdminService>();
        services.AddHostedService<StartupBanner>();
        return services;
    }
}
