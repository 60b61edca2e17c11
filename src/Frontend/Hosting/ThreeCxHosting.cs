using Acd.SipEdge.Hosting;
using Acd.Silo.Hosting;
using Acd.ThreeCxEdge;

namespace Acd.Frontend.Hosting;

public static class ThreeCxHosting
{
    /// <summary>
    /// The 3CX connector when ThreeCx:Pbxs lists a PBX (off otherwise). It plays waiting callers the queue audio through
    /// the SIP edge's media engine, so it needs the SIP edge on.
    /// </summary>
    public static WebApplicationBuilder AddThreeCxConnector(this WebApplicationBuilder builder)
    {
        if (!builder.Configuration.IsThreeCxConfigured())
        {
            return builder;
        }

        if (!(builder.Configuration.GetSection(SipEdgeOptions.Section).Get<SipEdgeOptions>() ?? new SipEdgeOptions()).Enabled)
        {
            throw new InvalidOperationException("ThreeCx:Pbxs is set but the SIP edge is off (Sip:Enabled=false): the 3CX connector plays the queue's " +
                                                "music and announcements through the SIP edge's media engine.");
        }

        builder.Services.AddThreeCxEdge(builder.Configuration, AcdHealth.ReadyTag);
        return builder;
    }
}
