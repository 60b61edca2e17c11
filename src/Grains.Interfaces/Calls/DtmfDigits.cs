namespace Acd.Calls;

/// <summary>
/// Which DTMF strings the ACD sends, wherever they come from (REST, the desktop hub, the call grain): one to
/// <see cref="MaxLength"/> of 0-9, *, # and A-D (RFC 4733 events 0-15), any case.
/// </summary>
public static class DtmfDigits
{
    public const int MaxLength = 32;

    /// <summary>How many received digits a call keeps (an account number, a menu path).</summary>
    public const int Kept = 64;

    public const string Rule = "1-32 of 0-9, *, #, A-D";

    public static bool IsValid(string? digits)
    {
        if (string.IsNullOrEmpty(digits) || digits.Length > MaxLength)
        {
            return false;
        }

        foreach (var c in digits)
        {
            if (!IsDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    public static bool IsDigit(char c) => char.IsAsciiDigit(c) || c is '*' or '#' || (char.ToUpperInvariant(c) is >= 'A' and <= 'D');

    /// <summary>The digits as they go on the wire (letters upper case).</summary>
    public static string Normalize(string digits) => digits.ToUpperInvariant();
}
