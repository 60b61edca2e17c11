using Acd.Calls;

namespace Acd.SipEdge.Calls;

/// <summary>DTMF as SIP INFO carries it (application/dtmf-relay "Signal=5", application/dtmf "5").</summary>
internal static class Dtmf
{
    public static char? FromInfo(string contentType, string body)
    {
        var type = contentType.Split(';')[0].Trim();
        string? signal = null;
        if (type.Equals("application/dtmf-relay", StringComparison.OrdinalIgnoreCase))
        {
            foreach (var line in body.Split('\n'))
            {
                var eq = line.IndexOf('=', StringComparison.Ordinal);
                if (eq > 0 && line[..eq].Trim().Equals("Signal", StringComparison.OrdinalIgnoreCase))
                {
                    signal = line[(eq + 1)..].Trim();
                }
            }
        }
        else if (type.Equals("application/dtmf", StringComparison.OrdinalIgnoreCase))
        {
            signal = body.Trim();
        }

        return signal is { Length: 1 } && DtmfDigits.IsDigit(signal[0]) ? char.ToUpperInvariant(signal[0]) : null;
    }

    public static string InfoBody(char digit, int durationMs) =>
        $"Signal={digit}\r\nDuration={durationMs.ToString(System.Globalization.CultureInfo.InvariantCulture)}\r\n";
}
