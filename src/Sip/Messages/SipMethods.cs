namespace Acd.Sip.Messages;

/// <summary>Method names; <see cref="Intern"/> returns these instances so comparisons are cheap.</summary>
public static class SipMethods
{
    public const string Invite = "INVITE";
    public const string Ack = "ACK";
    public const string Bye = "BYE";
    public const string Cancel = "CANCEL";
    public const string Options = "OPTIONS";
    public const string Register = "REGISTER";
    public const string Prack = "PRACK";
    public const string Update = "UPDATE";
    public const string Info = "INFO";
    public const string Refer = "REFER";
    public const string Notify = "NOTIFY";
    public const string Subscribe = "SUBSCRIBE";
    public const string Message = "MESSAGE";
    public const string Publish = "PUBLISH";

    private static readonly string[] All = [Invite, Ack, Bye, Cancel, Options, Register, Prack, Update, Info, Refer, Notify, Subscribe, Message, Publish];

    /// <summary>Whether <paramref name="method"/> is one of the registered methods above (case-sensitive).</summary>
    public static bool IsRegistered(string method) => Array.IndexOf(All, method) >= 0;

    /// <summary>Method names are case-sensitive (RFC 3261 7.1); known ones map to the constants above.</summary>
    public static string Intern(ReadOnlySpan<char> method)
    {
        foreach (var m in All)
        {
            if (method.SequenceEqual(m)) return m;
        }
        return method.ToString();
    }

    internal static string Intern(ReadOnlySpan<byte> method)
    {
        foreach (var m in All)
        {
            if (method.Length == m.Length && System.Text.Ascii.Equals(method, m)) return m;
        }
        return System.Text.Encoding.ASCII.GetString(method);
    }
}

/// <summary>Default reason phrases (RFC 3261 21 and extensions).</summary>
public static class SipReasonPhrases
{
    public static string For(int code) => code switch
    {
        100 => "Trying",
        180 => "Ringing",
        181 => "Call Is Being Forwarded",
        182 => "Queued",
        183 => "Session Progress",
        200 => "OK",
        202 => "Accepted",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Moved Temporarily",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        407 => "Proxy Authentication Required",
        408 => "Request Timeout",
        410 => "Gone",
        413 => "Request Entity Too Large",
        415 => "Unsupported Media Type",
        416 => "Unsupported URI Scheme",
        420 => "Bad Extension",
        421 => "Extension Required",
        422 => "Session Interval Too Small",
        423 => "Interval Too Brief",
        480 => "Temporarily Unavailable",
        481 => "Call/Transaction Does Not Exist",
        482 => "Loop Detected",
        483 => "Too Many Hops",
        484 => "Address Incomplete",
        486 => "Busy Here",
        487 => "Request Terminated",
        488 => "Not Acceptable Here",
        489 => "Bad Event",
        491 => "Request Pending",
        500 => "Server Internal Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        504 => "Server Time-out",
        505 => "Version Not Supported",
        513 => "Message Too Large",
        600 => "Busy Everywhere",
        603 => "Decline",
        604 => "Does Not Exist Anywhere",
        606 => "Not Acceptable",
        _ => code switch
        {
            < 200 => "Session Progress",
            < 300 => "OK",
            < 400 => "Redirect",
            < 500 => "Client Error",
            < 600 => "Server Error",
            _ => "Global Failure",
        },
    };
}
