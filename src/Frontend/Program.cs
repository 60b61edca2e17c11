using Acd.Frontend.Hosting;
using Acd.Silo.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddAcdCluster();
builder.AddAcdFrontend();

var app = builder.Build();
app.UseAcdFrontend();
app.MapAcdFrontend();
app.Run();
