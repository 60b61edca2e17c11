using Acd.Sip.Headers;
using Acd.Sip.Messages;

namespace Acd.Sip.Parsing;

/// <summary>Which RFC 3261 role judges the request: the answers differ (483 is a proxy's, 416 a UAS's).</summary>
public enum SipRole
{
    UserAgentServer,
    Proxy,
}

public sealed class SipValidationOptions
{
    public static SipValidationOptions UserAgent { get; } = new();

    public static SipValidationOptions Proxy { get; } = new() { Role = SipRole.Proxy };

    public SipRole Role { get; init; } = SipRole.UserAgentServer;

    /// <summary>
    /// Option tags this element supports; any other tag in Require gets 420 (RFC 3261 8.2.2.3).
    /// Only what the stack really implements is listed: 100rel is not (no reliable provisionals yet).
    /// </summary>
    public IReadOnlySet<string> SupportedExtensions { get; init; } =
        new HashSet<string>(["replaces", "timer"], StringComparer.OrdinalIgnoreCase);

    public IReadOnlySet<string> SupportedSchemes { get; init; } = new HashSet<string>(["sip", "sips", "tel"], StringComparer.Ordinal);

    /// <summary>
    /// Methods this element serves; a registered method outside it gets 405 with an Allow header listing these
    /// (RFC 3261 8.2.1), an unknown method 501 (21.5.2). Null serves every method in <see cref="SipMethods"/>.
    /// </summary>
    public IReadOnlyList<string>? AllowedMethods { get; init; }

    /// <summary>Body types a session description may come in (INVITE, UPDATE, PRACK); others get 415 with Accept.</summary>
    public IReadOnlyList<string> SessionBodyTypes { get; init; } = ["application/sdp", "multipart/mixed"];
}

/// <summary>A rejection decided by validation; turn it into a response with <see cref="CreateResponse"/>.</summary>
public sealed record SipRejection(int StatusCode, string ReasonPhrase, IReadOnlyList<SipHeader> ExtraHeaders)
{
    public SipResponse CreateResponse(SipRequest request)
    {
        var r = SipResponse.Create(request, StatusCode, ReasonPhrase);
        foreach (var h in ExtraHeaders) r.Headers.Add(h.Name, h.Value);
        return r;
    }
}

public enum SipInboundAction
{
    /// <summary>Hand the message to the transaction layer.</summary>
    Accept,
    /// <summary>Send <see cref="SipInboundDecision.Response"/> statelessly and stop.</summary>
    Respond,
    /// <summary>Discard silently (bad responses, ACKs, garbage).</summary>
    Drop,
}

public readonly record struct SipInboundDecision(SipInboundAction Action, SipMessage? Message, SipResponse? Response, string? Reason);

/// <summary>Semantic checks of RFC 3261 8.2 / 16.3 applied after a successful parse.</summary>
public static class SipRequestValidator
{
    public static SipRejection? Validate(SipRequest request, SipValidationOptions? options = null)
    {
        options ??= SipValidationOptions.UserAgent;
        // The list of what is missing is only built when something is (no allocation on the common path).
        List<string>? missing = null;
        if (request.Vias.Count == 0) (missing ??= []).Add("Via");
        if (request.To is null) (missing ??= []).Add("To");
        if (request.From is null) (missing ??= []).Add("From");
        if (string.IsNullOrWhiteSpace(request.CallId)) (missing ??= []).Add("Call-ID");
        if (request.CSeq is null) (missing ??= []).Add("CSeq");
        // RFC 2543 had no Max-Forwards requirement; its clients (no magic cookie in the branch) are still served (RFC 4475 3.4.1).
        if (request.MaxForwards is null && request.TopVia is not { IsRfc3261Branch: false }) (missing ??= []).Add("Max-Forwards");
        if (missing is not null) return Reject(400, $"Missing {string.Join(", ", missing)} header{(missing.Count > 1 ? "s" : "")}");

        if (request.Headers.CountOf(SipHeaderNames.ContentLength) > 1
            && request.Headers.GetAll(SipHeaderNames.ContentLength).Select(v => v.Trim()).Distinct().Count() > 1)
            return Reject(400, "Conflicting Content-Length headers");
        if (request.CSeq!.Method != request.Method) return Reject(400, "CSeq method does not match request method");
        if (!request.RequestUri.IsValid) return Reject(400, "Invalid Request-URI");
        if (request.RequestUri.Headers.Count > 0) return Reject(400, "Request-URI must not contain headers");

        if (options.Role == SipRole.Proxy && request.MaxForwards == 0 && request.Method != SipMethods.Ack)
            return Reject(483, "Too Many Hops");

        if (options.Role == SipRole.UserAgentServer && !options.SupportedSchemes.Contains(request.RequestUri.Scheme))
            return Reject(416, "Unsupported URI Scheme");

        if (request.Body.Length > 0 && string.IsNullOrWhiteSpace(request.ContentType))
            return Reject(400, "Body without Content-Type header");

        if (options.Role == SipRole.UserAgentServer && MethodRejection(request, options) is { } methodRejection)
            return methodRejection;

        if (options.Role == SipRole.UserAgentServer && request.Method == SipMethods.Register && request.To!.Uri.Scheme is not ("sip" or "sips"))
            return Reject(400, "To of a REGISTER must be a SIP or SIPS address of record");

        if (options.Role == SipRole.UserAgentServer && request.Method is SipMethods.Invite or SipMethods.Update or SipMethods.Prack
            && SessionBodyRejection(request, options) is { } bodyRejection)
            return bodyRejection;

        // RFC 3261 8.2.2.3: Require is not checked for CANCEL nor for ACK.
        var requireName = options.Role == SipRole.Proxy ? SipHeaderNames.ProxyRequire : SipHeaderNames.Require;
        if (request.Method is not SipMethods.Ack and not SipMethods.Cancel && request.Headers.Contains(requireName))
        {
            var unsupported = request.Require.Where(t => !options.SupportedExtensions.Contains(t)).ToList();
            if (options.Role == SipRole.Proxy)
            {
                unsupported = SipHeaderParsingPublic.Tokens(request, SipHeaderNames.ProxyRequire).Where(t => !options.SupportedExtensions.Contains(t)).ToList();
            }
            if (unsupported.Count > 0)
                return new SipRejection(420, "Bad Extension", [new SipHeader(SipHeaderNames.Unsupported, string.Join(", ", unsupported))]);
        }
        return null;
    }

    /// <summary>
    /// Turns a parse result into what a server must do: accept it, answer it statelessly (400 naming the
    /// problem, 505, 416, 420, 483...), or drop it when no response can be built (responses, ACKs, garbage).
    /// </summary>
    public static SipInboundDecision Evaluate(in SipParseResult result, SipValidationOptions? options = null)
    {
        if (result.Success)
        {
            if (result.Message is SipRequest req)
            {
                var rejection = Validate(req, options);
                if (rejection is not null)
                {
                    return req.Method == SipMethods.Ack
                        ? new SipInboundDecision(SipInboundAction.Drop, req, null, rejection.ReasonPhrase)
                        : new SipInboundDecision(SipInboundAction.Respond, req, rejection.CreateResponse(req), rejection.ReasonPhrase);
                }
            }
            return new SipInboundDecision(SipInboundAction.Accept, result.Message, null, null);
        }
        if (result.Message is SipRequest bad && bad.Method != SipMethods.Ack && bad.Headers.Contains(SipHeaderNames.Via))
        {
            var code = result.Error == SipParseError.UnsupportedVersion ? 505 : result.Error == SipParseError.BodyTooLarge ? 413 : 400;
            var reason = code == 400 ? "Bad Request - " + Sanitize(result.Detail) : SipReasonPhrases.For(code);
            return new SipInboundDecision(SipInboundAction.Respond, bad, SipResponse.Create(bad, code, reason), result.Detail);
        }
        return new SipInboundDecision(SipInboundAction.Drop, result.Message, null, result.Detail);
    }

    private static SipRejection? MethodRejection(SipRequest request, SipValidationOptions options)
    {
        if (options.AllowedMethods is not { } allowed || request.Method is SipMethods.Ack or SipMethods.Cancel || allowed.Contains(request.Method))
            return null;
        return SipMethods.IsRegistered(request.Method)
            ? new SipRejection(405, "Method Not Allowed", [new SipHeader(SipHeaderNames.Allow, string.Join(", ", allowed))])
            : Reject(501, "Not Implemented");
    }

    private static SipRejection? SessionBodyRejection(SipRequest request, SipValidationOptions options)
    {
        if (request.Body.Length > 0 && !options.SessionBodyTypes.Contains(MediaType(request.ContentType!), StringComparer.OrdinalIgnoreCase))
            return new SipRejection(415, "Unsupported Media Type", [new SipHeader(SipHeaderNames.Accept, string.Join(", ", options.SessionBodyTypes))]);

        // An INVITE whose Accept rules out SDP can get no answer (RFC 4475 3.3.15).
        if (request.Method == SipMethods.Invite && request.Headers.Contains(SipHeaderNames.Accept)
            && request.Headers.GetAll(SipHeaderNames.Accept).ToList() is { Count: > 0 } accepts
            && accepts.Any(a => a.Trim().Length > 0)
            && !accepts.SelectMany(a => a.Split(',')).Select(MediaType).Any(t => t is "application/sdp" or "application/*" or "*/*" or "multipart/mixed"))
            return new SipRejection(406, "Not Acceptable - Accept does not include application/sdp", [new SipHeader(SipHeaderNames.Accept, "application/sdp")]);
        return null;
    }

    private static string MediaType(string value)
    {
        var semi = value.IndexOf(';', StringComparison.Ordinal);
        return (semi < 0 ? value : value[..semi]).Trim().ToLowerInvariant();
    }

    private static string Sanitize(string? s) => string.IsNullOrEmpty(s) ? "malformed message" : s.Replace('\r', ' ').Replace('\n', ' ');

    private static SipRejection Reject(int code, string reason) => new(code, reason, []);
}

internal static class SipHeaderParsingPublic
{
    public static List<string> Tokens(SipMessage m, string name) => SipHeaderParsing.SplitTokens(m.Headers.GetAll(name));
}
