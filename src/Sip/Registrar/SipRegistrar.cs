using System.Collections.Concurrent;
using System.Globalization;
using Acd.Sip.Auth;
using Acd.Sip.Headers;
using Acd.Sip.Messages;
using Acd.Sip.Transactions;
using Acd.Sip.Transports;
using Acd.Sip.Uris;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Acd.Sip.Registrar;

/// <summary>
/// A registered contact. <see cref="Flow"/> is where the REGISTER came from (the connection for TCP/TLS/WS, the
/// NAT-mapped address for UDP); <see cref="Route"/> says whether requests for this contact go there or to the Contact
/// itself (<see cref="SipContactRoute"/>, with <see cref="RouteReason"/> for the logs).
/// </summary>
public sealed record SipBinding(string AddressOfRecord, SipUri Contact, SipTarget Flow, DateTimeOffset Expires, string CallId, uint CSeq, string? InstanceId, string? Username,
    SipBindingRoute Route = SipBindingRoute.Flow, string? RouteReason = null);

public sealed class SipRegistrarOptions
{
    public int MinExpires { get; init; } = 60;
    public int MaxExpires { get; init; } = 3600;
    public int DefaultExpires { get; init; } = 3600;
}

/// <summary>Hears binding changes of a <see cref="SipRegistrar"/>, e.g. to mirror them into the agent's grain.</summary>
public interface ISipRegistrarObserver
{
    /// <summary>
    /// A binding was added or refreshed (<paramref name="added"/> true) or removed. Called while the REGISTER is handled,
    /// in the order the changes were applied to the address-of-record; an exception is logged and the REGISTER still answered.
    /// </summary>
    void OnBindingChanged(SipBinding binding, bool added);
}

/// <summary>
/// Registrar of RFC 3261 10.3 with optional digest authentication: validates and stores bindings
/// per address-of-record (in memory; the edge mirrors changes into its grains through an <see cref="ISipRegistrarObserver"/>).
/// </summary>
public sealed class SipRegistrar
{
    private readonly DigestServer? _digest;
    private readonly SipRegistrarOptions _options;
    private readonly TimeProvider _time;
    private readonly ISipRegistrarObserver? _observer;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, List<SipBinding>> _bindings = new(StringComparer.OrdinalIgnoreCase);

    public SipRegistrar(DigestServer? digest = null, SipRegistrarOptions? options = null, TimeProvider? time = null,
        ISipRegistrarObserver? observer = null, ILogger? logger = null)
    {
        _digest = digest;
        _options = options ?? new SipRegistrarOptions();
        _time = time ?? TimeProvider.System;
        _observer = observer;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>May this authenticated user register this AOR? Default: the AOR's user part equals the username.</summary>
    public Func<string?, SipUri, bool> Authorize { get; init; } = (user, aor) => user is null || string.Equals(aor.UserUnescaped, user, StringComparison.Ordinal);

    public static string AorKey(SipUri uri) => $"{(uri.IsSecure ? "sip" : uri.Scheme)}:{uri.UserUnescaped}@{uri.Host.ToLowerInvariant()}";

    /// <summary>Current (unexpired) bindings of an address-of-record.</summary>
    public IReadOnlyList<SipBinding> Lookup(SipUri aor)
    {
        if (!_bindings.TryGetValue(AorKey(aor), out var list)) return [];
        var now = _time.GetUtcNow();
        lock (list) return list.Where(b => b.Expires > now).ToList();
    }

    /// <summary>Handles a REGISTER server transaction completely (challenge, validation, 200 with the binding list).</summary>
    public async Task HandleAsync(SipServerTransaction tx, CancellationToken cancellationToken = default)
    {
        var request = tx.Request;
        string? username = null;
        if (_digest is not null)
        {
            var verdict = await _digest.VerifyAsync(request, cancellationToken).ConfigureAwait(false);
            if (verdict.Outcome != DigestVerifyOutcome.Authenticated)
            {
                tx.Respond(verdict.Response!);
                return;
            }
            username = verdict.Username;
        }
        var aor = request.To?.Uri;
        if (aor is null || !aor.IsSip)
        {
            tx.Respond(tx.CreateResponse(404, "Not Found - address-of-record must be a SIP URI"));
            return;
        }
        if (!Authorize(username, aor))
        {
            tx.Respond(tx.CreateResponse(403, "Forbidden - user may not register this address"));
            return;
        }
        var response = Apply(tx, aor, username);
        tx.Respond(response);
    }

    private SipResponse Apply(SipServerTransaction tx, SipUri aor, string? username)
    {
        var request = tx.Request;
        var now = _time.GetUtcNow();
        var key = AorKey(aor);
        var list = _bindings.GetOrAdd(key, _ => []);
        int? headerExpires = request.Headers[SipHeaderNames.Expires] is { } e && int.TryParse(e, NumberStyles.None, CultureInfo.InvariantCulture, out var he) ? he : null;
        var callId = request.CallId!;
        var cseq = request.CSeq!.Number;
        var changes = new List<(SipBinding, bool)>();
        lock (list)
        {
            list.RemoveAll(b => b.Expires <= now);
            var contacts = request.Contacts;
            if (contacts.Any(c => c.IsWildcard))
            {
                if (contacts.Count != 1 || headerExpires != 0)
                    return tx.CreateResponse(400, "Bad Request - wildcard Contact needs Expires: 0 and no other contacts");
                foreach (var b in list.ToList())
                {
                    if (b.CallId == callId && cseq <= b.CSeq) return tx.CreateResponse(500, "Server Internal Error - CSeq out of order");
                }
                changes.AddRange(list.Select(b => (b, false)));
                list.Clear();
            }
            foreach (var c in contacts)
            {
                var expires = c.Parameters["expires"] is { } ce && int.TryParse(ce, NumberStyles.None, CultureInfo.InvariantCulture, out var cv) ? cv : headerExpires ?? _options.DefaultExpires;
                if (expires != 0 && expires < _options.MinExpires)
                {
                    var tooBrief = tx.CreateResponse(423);
                    tooBrief.Headers.Add(SipHeaderNames.MinExpires, _options.MinExpires.ToString(CultureInfo.InvariantCulture));
                    return tooBrief;
                }
                expires = Math.Min(expires, _options.MaxExpires);
                var instance = c.Parameters["+sip.instance"];
                var existing = list.FindIndex(b => b.Contact.Equals(c.Uri) || (instance is not null && b.InstanceId == instance));
                if (existing >= 0 && list[existing].CallId == callId && cseq <= list[existing].CSeq)
                    return tx.CreateResponse(500, "Server Internal Error - CSeq out of order");
                if (existing >= 0)
                {
                    changes.Add((list[existing], false));
                    list.RemoveAt(existing);
                }
                if (expires > 0)
                {
                    var (route, why) = SipContactRoute.Choose(c, tx.Source.SourceTarget);
                    var b = new SipBinding(key, c.Uri, tx.Source.SourceTarget, now.AddSeconds(expires), callId, cseq, instance, username, route, why);
                    list.Add(b);
                    changes.RemoveAll(x => x.Item1.Contact.Equals(c.Uri));
                    changes.Add((b, true));
                }
            }
            var ok = tx.CreateResponse(200);
            foreach (var b in list)
            {
                var remaining = (int)Math.Ceiling((b.Expires - now).TotalSeconds);
                ok.Headers.Add(SipHeaderNames.Contact, $"<{b.Contact}>;expires={remaining.ToString(CultureInfo.InvariantCulture)}");
            }
            ok.Headers.Add(SipHeaderNames.Date, now.ToString("r", CultureInfo.InvariantCulture));
            // Still under the AOR's lock: a refresh and an un-REGISTER racing on two connections are reported in the
            // order they were applied, which is what a mirror of the bindings needs.
            if (_observer is not null)
            {
                foreach (var (b, added) in changes) Notify(b, added, request);
            }
            return ok;
        }
    }

    private void Notify(SipBinding binding, bool added, SipRequest register)
    {
        try
        {
            _observer!.OnBindingChanged(binding, added);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            SipLog.HandlerFailed(_logger, ex, nameof(ISipRegistrarObserver.OnBindingChanged), register);
        }
    }
}
