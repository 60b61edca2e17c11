using Acd.Sip.Messages;

namespace Acd.Sip.Transactions;

/// <summary>
/// Identity of a transaction (RFC 3261 17.1.3, 17.2.3). For RFC 3261 peers it is the top Via's branch and sent-by plus
/// the method; client transactions match on branch and CSeq method only, so their sent-by is empty. Requests from
/// RFC 2543 peers (no magic cookie) carry <see cref="Rfc2543"/> instead of a branch. The fields are the message's own
/// strings, so building a key formats nothing; only the RFC 2543 fallback allocates its extra record.
/// </summary>
public readonly record struct SipTransactionKey(string Method, string Branch, string SentByHost, int SentByPort, SipRfc2543TransactionId? Rfc2543 = null)
{
    /// <summary>Key of a transaction this side starts: branch and method (17.1.3).</summary>
    public static SipTransactionKey ForClient(string branch, string method) => new(method, branch, "", 0);

    /// <summary>Key of the client transaction a response belongs to; false without a branch or CSeq.</summary>
    public static bool TryForResponse(SipResponse response, out SipTransactionKey key)
    {
        if (response.TopVia?.Branch is { } branch && response.CSeq is { } cseq)
        {
            key = ForClient(branch, cseq.Method);
            return true;
        }
        key = default;
        return false;
    }

    /// <summary>
    /// Key of the server transaction a request belongs to, as <paramref name="method"/> (INVITE for an ACK or CANCEL
    /// looking for its INVITE; the request's own method by default).
    /// </summary>
    public static SipTransactionKey ForServer(SipRequest request, string? method = null)
    {
        method ??= request.Method;
        var via = request.TopVia;
        if (via is not null && via.IsRfc3261Branch) return new(method, via.Branch!, via.Host, via.Port ?? -1);
        // RFC 2543 fallback (17.2.3): Request-URI, From tag, Call-ID, CSeq number and top Via. The To tag is left out
        // on purpose: the ACK carries the response's tag, the INVITE none, and both must meet in one transaction.
        return new(method, "", "", 0, new SipRfc2543TransactionId(request.RequestUri.ToString(), request.From?.Tag, request.CallId,
            request.CSeq?.Number ?? 0, via?.ToString() ?? ""));
    }

    /// <summary>The same transaction seen as another method (the INVITE a CANCEL or ACK refers to).</summary>
    public SipTransactionKey As(string method) => this with { Method = method };

    public override string ToString() => Rfc2543 is { } old ? $"2543|{old}|{Method}" : $"{Branch}|{SentByHost}:{SentByPort}|{Method}";
}

/// <summary>The fields RFC 3261 17.2.3 matches a request from an RFC 2543 client on.</summary>
public sealed record SipRfc2543TransactionId(string RequestUri, string? FromTag, string? CallId, uint CSeq, string TopVia);

/// <summary>Merged-request detection (8.2.2.2): From tag, Call-ID and CSeq of a request outside a dialog.</summary>
internal readonly record struct SipMergeKey(string FromTag, string? CallId, uint CSeq, string Method)
{
    public static bool TryCreate(SipRequest request, out SipMergeKey key)
    {
        if (request.From?.Tag is { } fromTag)
        {
            key = new(fromTag, request.CallId, request.CSeq?.Number ?? 0, request.Method);
            return true;
        }
        key = default;
        return false;
    }
}

/// <summary>An INVITE answered 2xx, found again by the ACK that has its own branch (13.3.1.4): Call-ID, CSeq and From tag.</summary>
internal readonly record struct SipAcceptedKey(string? CallId, uint CSeq, string? FromTag)
{
    public static SipAcceptedKey Of(SipRequest request) => new(request.CallId, request.CSeq?.Number ?? 0, request.From?.Tag);
}
