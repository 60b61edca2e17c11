using System.Globalization;
using Acd.Sip.Sdp;

namespace Acd.SipEdge.Legs;

/// <summary>How a session description relayed to a leg should be shaped.</summary>
internal enum SdpShape
{
    /// <summary>Unchanged (an answer passed through).</summary>
    AsIs,
    /// <summary>Every stream sendrecv: the leg is (re)connected to a party.</summary>
    Active,
    /// <summary>Every stream on hold (sendonly, RFC 3264 8.4).</summary>
    Held,
    /// <summary>Sent exactly as given: the media engine's own description, which keeps its own o= line and versions.</summary>
    Verbatim,
}

/// <summary>
/// Session description state of one leg. Over a call's life the media behind a leg changes (another agent after a
/// transfer, the consulted agent, hold), yet towards that leg it stays one session: the o= line keeps the username and
/// session id of the first description we sent and its version grows by one per change (RFC 3264 8, 5).
/// </summary>
internal sealed class LegSdp
{
    private string? _originPrefix;
    private ulong _version;

    /// <summary>The far end's latest description of its media (from its offer or its answer).</summary>
    public string? Remote { get; set; }

    /// <summary>What we last sent this leg (offer or answer), for answering an offer that changes nothing.</summary>
    public string? LastSent { get; private set; }

    /// <summary>
    /// Whether what is sent on this leg may carry SDES keys: its signalling is TLS. Off (the default), key lines are cut
    /// from everything <see cref="Prepare"/> hands out, the last guard should a keyed description ever be meant for it.
    /// </summary>
    public bool KeysAllowed { get; set; }

    /// <summary>Prepares <paramref name="sdp"/> (another party's media) for this leg; unparsable text goes out unchanged.</summary>
    public string Prepare(string sdp, SdpShape shape)
    {
        if (!KeysAllowed)
        {
            sdp = SdpKeys.Strip(sdp);
        }

        if (shape == SdpShape.Verbatim || !SdpSession.TryParse(sdp, out var session, out _) || session is null)
        {
            LastSent = sdp;
            return sdp;
        }

        switch (shape)
        {
            case SdpShape.Active:
                session.Direction = null;
                foreach (var media in session.Media)
                {
                    media.Direction = SdpDirection.SendRecv;
                }

                break;
            case SdpShape.Held:
                session.Hold();
                break;
        }

        var parts = session.Origin.Split(' ');
        if (parts.Length == 6)
        {
            if (_originPrefix is null)
            {
                _originPrefix = $"{parts[0]} {parts[1]}";
                _version = ulong.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 0;
            }
            else
            {
                _version++;
            }

            session.Origin = $"{_originPrefix} {_version.ToString(CultureInfo.InvariantCulture)} {parts[3]} {parts[4]} {parts[5]}";
        }

        LastSent = session.ToString();
        return LastSent;
    }

    /// <summary>
    /// Whether an offer from this leg changes nothing (same o= version as its last description, RFC 3264 8): a session
    /// refresh, answered with what we last sent instead of being relayed to the other party.
    /// </summary>
    public bool IsUnchanged(string offer) => Remote is { } remote && OriginOf(remote) is { } known && known == OriginOf(offer);

    /// <summary>Whether the description puts every stream on hold (sendonly or inactive).</summary>
    public static bool IsHold(string sdp) => SdpSession.TryParse(sdp, out var s, out _) && s is { IsOnHold: true };

    private static string? OriginOf(string sdp)
    {
        foreach (var line in sdp.Split('\n'))
        {
            if (line.StartsWith("o=", StringComparison.Ordinal))
            {
                return line.TrimEnd('\r');
            }
        }

        return null;
    }
}
