using Acd.Silo.Hosting;
using Orleans.Dashboard;

var builder = WebApplication.CreateBuilder(args);
builder.AddAcdSilo();

var app = builder.Build();
app.MapOrleansDashboard("/dashboard");
app.MapGet("/", () => "ACD frontend");
app.Run();
