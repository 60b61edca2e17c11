using Acd.Silo.Hosting;
using Orleans.Dashboard;

// A standalone silo for cluster mode: grains, dashboard and health, no frontend features.
var builder = WebApplication.CreateBuilder(args);
if (await AcdDatabaseSetup.TryRunAsync(builder, args))
{
    return; // `dotnet run --project src/Silo -- setup-database`: schema applied (or failed with exit code 1)
}

builder.AddAcdSilo();
builder.AddAcdTelemetry("acd-silo");
builder.Services.AddAcdSiloHealthChecks();

var app = builder.Build();
app.MapAcdHealth();
app.MapPrometheusScrapingEndpoint("/metrics");
app.UseOrleansDashboardGuard("/dashboard");
app.MapOrleansDashboard("/dashboard");
app.Run();
