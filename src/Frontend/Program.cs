using Acd.Frontend.Hosting;
using Acd.Frontend.SipEdge;
using Acd.Silo.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddAcdCluster();
builder.AddAcdFrontend();
builder.AddSipEdge();

var app = builder.Build();
app.UseAcdFrontend();
app.MapAcdFrontend();
app.MapSipEdge();
app.Run();
