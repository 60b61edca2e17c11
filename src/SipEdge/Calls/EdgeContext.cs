using Acd.CallControl.Calls;
using Acd.Sip;
using Acd.Sip.Dialogs;
using Acd.SipEdge.Bridging;
using Acd.SipEdge.Hosting;
using Acd.SipEdge.Registration;
using Acd.SipEdge.Trunks;
using Microsoft.Extensions.Logging;

namespace Acd.SipEdge.Calls;

/// <summary>What an edge call needs from its edge: the SIP user agent, the grains and use cases, phones and trunk, the clock.</summary>
internal sealed record EdgeContext(
    string EdgeId,
    string Domain,
    string PublicHost,
    SipStack Stack,
    SipUserAgent Ua,
    IGrainFactory Grains,
    InboundCalls Inbound,
    DialTargets Targets,
    PhoneRegistry Phones,
    OutboundTrunk Trunk,
    EdgeCalls Calls,
    CallMediaFactory Media,
    SipEdgeOptions Options,
    TimeProvider Time,
    ILogger Logger);
