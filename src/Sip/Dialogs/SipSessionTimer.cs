using System.Globalization;
using Acd.Sip.Headers;
using Acd.Sip.Messages;

namespace Acd.Sip.Dialogs;

public enum SipRefresher
{
    Uac,
    Uas,
}

/// <summary>Session-Expires value (RFC 4028 4): delta-seconds and the refresher parameter.</summary>
public sealed record SipSessionExpires(int Seconds, SipRefresher? Refresher)
{
    public override string ToString() => Refresher is { } r ? $"{Seconds};refresher={(r == SipRefresher.Uac ? "uac" : "uas")}" : Seconds.ToString(CultureInfo.InvariantCulture);

    public static bool TryParse(string? value, out SipSessionExpires? se)
    {
        se = null;
        if (value is null) return false;
        var parts = value.Split(';', StringSplitOptions.TrimEntries);
        if (!int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var secs) || secs <= 0) return false;
        SipRefresher? refresher = null;
        foreach (var p in parts.Skip(1))
        {
            if (p.StartsWith("refresher=", StringComparison.OrdinalIgnoreCase))
                refresher = p[10..].Equals("uas", StringComparison.OrdinalIgnoreCase) ? SipRefresher.Uas : SipRefresher.Uac;
        }
        se = new SipSessionExpires(secs, refresher);
        return true;
    }
}

/// <summary>
/// Session timer (RFC 4028): negotiation for a UAS and the refresh/expiry clock. The refresher
/// refreshes at half the interval; the other side gives up at interval - min(32 s, interval/3).
/// </summary>
public sealed class SipSessionTimer : IDisposable
{
    public const int DefaultMinSE = 90;
    private readonly TimeProvider _time;
    private ITimer? _timer;

    public SipSessionTimer(TimeProvider? time = null) => _time = time ?? TimeProvider.System;

    public int IntervalSeconds { get; private set; }

    public bool WeRefresh { get; private set; }

    /// <summary>
    /// UAS negotiation on an INVITE/UPDATE: returns a 422 with Min-SE when the interval is too small,
    /// otherwise writes Session-Expires (and Require: timer if the UAC supports it) into <paramref name="response2xx"/>.
    /// </summary>
    public SipResponse? NegotiateAsUas(SipRequest request, SipResponse response2xx, int minSE = DefaultMinSE, int preferred = 1800)
    {
        SipSessionExpires.TryParse(request.Headers[SipHeaderNames.SessionExpires], out var se);
        if (se is not null && se.Seconds < minSE)
        {
            var r = SipResponse.Create(request, 422);
            r.Headers.Add(SipHeaderNames.MinSE, minSE.ToString(CultureInfo.InvariantCulture));
            return r;
        }
        var uacSupports = request.Supports("timer");
        var interval = se?.Seconds ?? preferred;
        var refresher = se?.Refresher ?? (uacSupports ? SipRefresher.Uac : SipRefresher.Uas);
        IntervalSeconds = interval;
        WeRefresh = refresher == SipRefresher.Uas;
        response2xx.Headers.Set(SipHeaderNames.SessionExpires, new SipSessionExpires(interval, refresher).ToString());
        if (uacSupports) response2xx.Headers.Add(SipHeaderNames.Require, "timer");
        return null;
    }

    /// <summary>UAC side: reads the 2xx to learn the interval and who refreshes.</summary>
    public bool ApplyAsUac(SipResponse response2xx)
    {
        if (!SipSessionExpires.TryParse(response2xx.Headers[SipHeaderNames.SessionExpires], out var se)) return false;
        IntervalSeconds = se!.Seconds;
        WeRefresh = se.Refresher != SipRefresher.Uas;
        return true;
    }

    /// <summary>(Re)starts the clock after each successful refresh.</summary>
    public void Start(Action refresh, Action expired)
    {
        _timer?.Dispose();
        if (IntervalSeconds <= 0) return;
        var interval = TimeSpan.FromSeconds(IntervalSeconds);
        if (WeRefresh)
        {
            _timer = _time.CreateTimer(_ => refresh(), null, interval / 2, Timeout.InfiniteTimeSpan);
        }
        else
        {
            var margin = TimeSpan.FromSeconds(Math.Min(32, IntervalSeconds / 3.0));
            _timer = _time.CreateTimer(_ => expired(), null, interval - margin, Timeout.InfiniteTimeSpan);
        }
    }

    public void Dispose() => _timer?.Dispose();
}
