using Acd.Agents;
using Acd.Sip.Messages;
using Acd.Sip.Transports;
using Acd.Sip.Uris;
using Acd.SipEdge.Calls;

namespace Acd.SipEdge.Registration;

/// <summary>How a call reaches one phone of an agent: straight to it, over the flow this edge holds, or through the edge holding its flow.</summary>
internal sealed record PhoneRoute(DeviceBinding Device, SipUri Contact, SipTarget Target, string? RelayToken)
{
    public bool IsRelayed => RelayToken is not null;

    public string Describe() => IsRelayed ? $"edge {Device.EdgeId} ({Target})" : Target.ToString();

    /// <summary>Adds what the INVITE needs for this route (the hop's token when another edge relays it).</summary>
    public void Decorate(SipRequest invite)
    {
        if (RelayToken is { } token)
        {
            invite.Headers.Add(EdgeHeaders.Relay, token);
        }
    }
}
