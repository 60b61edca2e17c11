using Acd.Queues;

namespace Acd.SipEdge.Announcements;

/// <summary>
/// The prompt names of one position announcement, in the order they are played. A prompt set is a folder of WAV files
/// with these names (see <see cref="All"/>); numbers are files under <c>numbers/</c>.
/// </summary>
public static class AnnouncementScript
{
    public const string ThankYouForHolding = "thank-you-for-holding";
    public const string YouAreCallerNumber = "you-are-caller-number";
    public const string TheEstimatedWaitIs = "the-estimated-wait-is";
    public const string LessThanOneMinute = "less-than-one-minute";
    public const string Minute = "minute";
    public const string Minutes = "minutes";
    public const string Hundred = "numbers/hundred";

    /// <summary>Every file a complete prompt set has (the shipped English one does): the phrases, 0-19, the tens, "hundred".</summary>
    public static IReadOnlyList<string> All { get; } =
    [
        ThankYouForHolding, YouAreCallerNumber, TheEstimatedWaitIs, LessThanOneMinute, Minute, Minutes, Hundred,
        .. Enumerable.Range(0, 20).Select(Number), .. Enumerable.Range(2, 8).Select(t => Number(t * 10)),
    ];

    public static string Number(int n) => $"numbers/{n}";

    /// <summary>
    /// "Thank you for holding. You are caller number N. The estimated wait time is M minutes." The position part is
    /// left out when the call is not waiting (null position), the wait part when there is no estimate. Minutes are
    /// rounded to the nearest (at least 1); under a minute is "less than one minute".
    /// </summary>
    public static IReadOnlyList<string> For(WaitingPosition position, Func<string, bool> hasPrompt)
    {
        var names = new List<string> { ThankYouForHolding };
        if (position.Position is { } n && n > 0)
        {
            names.Add(YouAreCallerNumber);
            names.AddRange(NumberPrompts(n, hasPrompt));
        }

        if (position.Position is not null && position.EstimatedWait is { } wait)
        {
            names.Add(TheEstimatedWaitIs);
            if (wait < TimeSpan.FromMinutes(1))
            {
                names.Add(LessThanOneMinute);
            }
            else
            {
                var minutes = (int)Math.Min(999, Math.Max(1, Math.Round(wait.TotalMinutes, MidpointRounding.AwayFromZero)));
                names.AddRange(NumberPrompts(minutes, hasPrompt));
                names.Add(minutes == 1 ? Minute : Minutes);
            }
        }

        return names;
    }

    /// <summary>
    /// A number as prompt files: <c>numbers/n</c> when the set has it (a language with irregular numbers ships them
    /// whole, e.g. German 21 "einundzwanzig"), else hundreds ("3", "hundred", then the rest), else tens and units
    /// ("40", "2"); above 999 digit by digit.
    /// </summary>
    public static IEnumerable<string> NumberPrompts(int n, Func<string, bool> hasPrompt)
    {
        if (n < 0)
        {
            return [];
        }

        if (n < 20 || hasPrompt(Number(n)))
        {
            return [Number(n)];
        }

        if (n >= 1000)
        {
            return n.ToString(System.Globalization.CultureInfo.InvariantCulture).Select(d => Number(d - '0'));
        }

        if (n >= 100)
        {
            var rest = n % 100;
            return [.. NumberPrompts(n / 100, hasPrompt), Hundred, .. rest == 0 ? [] : NumberPrompts(rest, hasPrompt)];
        }

        var units = n % 10;
        return units == 0 ? [Number(n)] : [Number(n - units), Number(units)];
    }
}
