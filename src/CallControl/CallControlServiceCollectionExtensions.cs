using Acd.CallControl.Calls;
using Acd.CallControl.Customers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Acd.CallControl;

public static class CallControlServiceCollectionExtensions
{
    /// <summary>The call use cases shared by the REST API, the SignalR hubs and the SIP edge, with the CRM connector ("Crm").</summary>
    public static IServiceCollection AddCallControl(this IServiceCollection services, IConfiguration configuration)
    {
        // Both the frontend and the SIP edge ask for the use cases; the first registration serves both.
        if (services.Any(d => d.ServiceType == typeof(InboundCalls)))
        {
            return services;
        }

        services.AddMetrics();
        services.Configure<CrmOptions>(configuration.GetSection(CrmOptions.Section));
        services.AddHttpClient(CustomerLookup.HttpClientName);
        services.AddSingleton<CallControlMetrics>();
        services.AddSingleton<ICustomerLookup, CustomerLookup>();
        services.AddSingleton<InboundCalls>();
        services.AddSingleton<DialTargets>();
        return services;
    }
}
