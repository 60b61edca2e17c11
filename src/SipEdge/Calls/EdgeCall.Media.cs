using System.Globalization;
using Acd.SipEdge.Legs;

namespace Acd.SipEdge.Calls;

/// <summary>What the anchored media tells the call: digits heard in-band, legs gone silent or failed.</summary>
internal sealed partial class EdgeCall
{
    /// <summary>An RFC 4733 event ended on <paramref name="leg"/> (the engine already relayed it to peers that take RFC 4733).</summary>
    public void OnDigit(Leg leg, char digit) => _mailbox.Post(() =>
    {
        ReportDigit(leg, digit);
        if (_media.PeerOf(leg) is { IsUp: true } peer && !_media.TakesDigitsInBand(peer))
        {
            // The other side negotiated no telephone-event: it hears the press as SIP INFO instead.
            var duration = _edge.Options.DtmfDurationMs.ToString(CultureInfo.InvariantCulture);
            _ = SendInfosAsync(peer, [(DtmfRelay, $"Signal={digit}\r\nDuration={duration}\r\n")]);
        }
    });

    /// <summary>No RTP from an established leg for the media timeout: a phone that vanished must not hold an agent.</summary>
    public void OnMediaTimeout(Leg leg, TimeSpan silence) => _mailbox.Post(async () =>
    {
        if (!leg.IsUp)
        {
            return;
        }

        LogMediaTimeout(CallId, leg.Party, (int)silence.TotalSeconds);
        await EndLegAsync(leg, leg == _customer || leg == _external ? "caller media timeout" : "agent media timeout");
    });

    /// <summary>The leg's media cannot go on (a failed DTLS handshake, consent lost): the leg ends like one that hung up.</summary>
    public void OnMediaFailed(Leg leg, string reason) => _mailbox.Post(async () =>
    {
        if (!leg.IsUp && leg.State != LegState.Early)
        {
            return;
        }

        LogMediaFailed(CallId, leg.Party, reason);
        await EndLegAsync(leg, reason);
    });

    private async Task EndLegAsync(Leg leg, string reason)
    {
        leg.Stop(reason);
        _media.Remove(leg);
        await OnLegLostAsync(leg, reason);
    }

    /// <summary>The call grain hears every digit (the IVR and callbacks consume them); one-way, so nothing waits.</summary>
    private void ReportDigit(Leg leg, char digit)
    {
        var fromCustomer = leg == _customer || leg == _external;
        _ = SafeAsync(() => _grain.ReportDigitAsync(digit, fromCustomer));
    }
}
