using Acd.Events;
using Acd.Reporting.Queries;
using Acd.Reporting.Stores;
using Acd.Reporting.Writing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Acd.Reporting.Hosting;

public static class ReportingServiceCollectionExtensions
{
    /// <summary>
    /// The reporting store for <paramref name="database"/>: <see cref="IReportingQueries"/> always, and with
    /// <paramref name="withWriter"/> the batching <see cref="IReportingSink"/> (replacing the null sink) and its
    /// background writer. Hosts that run grains need the writer; an Orleans client host (frontend in cluster mode)
    /// only queries. Call it before UseOrleans so the writer stops after the silo and flushes its last events.
    /// </summary>
    public static IServiceCollection AddAcdReporting(this IServiceCollection services, ReportingDatabase database, string connectionString,
        bool withWriter = true, Action<ReportingOptions>? configure = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        services.AddOptions<ReportingOptions>()
            .Configure(o =>
            {
                o.Database = database;
                o.ConnectionString = connectionString;
                configure?.Invoke(o);
            });
        services.TryAddSingleton(TimeProvider.System);

        services.TryAddSingleton<ReportingStore>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<ReportingOptions>>().Value;
            return options.Database switch
            {
                ReportingDatabase.Sqlite => new SqliteReportingStore(options.ConnectionString, sp.GetRequiredService<ILogger<SqliteReportingStore>>()),
                ReportingDatabase.Postgres => new PostgresReportingStore(options.ConnectionString, sp.GetRequiredService<ILogger<PostgresReportingStore>>()),
                _ => throw new InvalidOperationException($"Unknown reporting database '{options.Database}'."),
            };
        });
        services.RemoveAll<IReportingQueries>();
        services.AddSingleton<IReportingQueries>(sp => sp.GetRequiredService<ReportingStore>());

        if (withWriter)
        {
            services.TryAddSingleton<BatchingReportingSink>();
            services.RemoveAll<IReportingSink>();
            services.AddSingleton<IReportingSink>(sp => sp.GetRequiredService<BatchingReportingSink>());
            services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<BatchingReportingSink>());
        }

        return services;
    }
}
