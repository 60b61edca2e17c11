using Acd.Frontend.Hosting;
using Acd.SipEdge.Hosting;
using Acd.Silo.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddAcdCluster();
builder.AddAcdFrontend();
builder.AddSipEdge();
builder.AddThreeCxConnector();

var app = builder.Build();
app.UseAcdFrontend();
app.MapAcdFrontend();
app.MapSipEdge();
app.Run();
