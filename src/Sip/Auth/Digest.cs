using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Acd.Sip.Headers;
using Acd.Sip.Messages;

namespace Acd.Sip.Auth;

/// <summary>Digest algorithms of RFC 3261 22 (MD5) and RFC 8760 (SHA-256).</summary>
public enum DigestAlgorithm
{
    Md5,
    Sha256,
}

public static class DigestHash
{
    public static string Name(DigestAlgorithm a) => a == DigestAlgorithm.Sha256 ? "SHA-256" : "MD5";

    public static DigestAlgorithm? FromName(string? name) => name?.ToUpperInvariant() switch
    {
        null or "MD5" => DigestAlgorithm.Md5,
        "SHA-256" => DigestAlgorithm.Sha256,
        _ => null,
    };

    public static string H(DigestAlgorithm a, string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        return Convert.ToHexStringLower(a == DigestAlgorithm.Sha256 ? SHA256.HashData(bytes) : MD5.HashData(bytes));
    }

    /// <summary>HA1 = H(username:realm:password): what a credential store keeps instead of the password.</summary>
    public static string ComputeHa1(DigestAlgorithm a, string username, string realm, string password) => H(a, $"{username}:{realm}:{password}");

    public static string ComputeResponse(DigestAlgorithm a, string ha1, string nonce, string method, string uri, string? qop, string? nc, string? cnonce)
    {
        var ha2 = H(a, $"{method}:{uri}");
        return qop is null ? H(a, $"{ha1}:{nonce}:{ha2}") : H(a, $"{ha1}:{nonce}:{nc}:{cnonce}:{qop}:{ha2}");
    }
}

/// <summary>Parsed auth-param list of a WWW-Authenticate/Authorization header ("Digest a=b, c=\"d\"").</summary>
public sealed class DigestHeader
{
    public string Scheme { get; private init; } = "Digest";
    public Dictionary<string, string> Params { get; } = new(StringComparer.OrdinalIgnoreCase);

    public string? this[string name] => Params.TryGetValue(name, out var v) ? v : null;

    public bool IsDigest => Scheme.Equals("Digest", StringComparison.OrdinalIgnoreCase);

    public static bool TryParse(string? value, out DigestHeader? header)
    {
        header = null;
        if (string.IsNullOrWhiteSpace(value)) return false;
        var s = value.Trim();
        var sp = s.IndexOfAny([' ', '\t']);
        var h = new DigestHeader { Scheme = sp < 0 ? s : s[..sp] };
        var i = sp < 0 ? s.Length : sp;
        while (i < s.Length)
        {
            while (i < s.Length && (s[i] is ' ' or '\t' or ',')) i++;
            if (i >= s.Length) break;
            var eq = s.IndexOf('=', i);
            if (eq < 0) return false;
            var name = s[i..eq].Trim();
            i = eq + 1;
            while (i < s.Length && s[i] is ' ' or '\t') i++;
            string v;
            if (i < s.Length && s[i] == '"')
            {
                var sb = new StringBuilder();
                i++;
                while (i < s.Length && s[i] != '"')
                {
                    if (s[i] == '\\' && i + 1 < s.Length) i++;
                    sb.Append(s[i++]);
                }
                if (i >= s.Length) return false;
                i++;
                v = sb.ToString();
            }
            else
            {
                var end = s.IndexOf(',', i);
                if (end < 0) end = s.Length;
                v = s[i..end].Trim();
                i = end;
            }
            if (name.Length == 0) return false;
            h.Params[name] = v;
        }
        header = h;
        return true;
    }
}

/// <summary>Server side of digest authentication (registrar or proxy).</summary>
public sealed class DigestServerOptions
{
    public required string Realm { get; init; }

    /// <summary>
    /// Algorithms offered, one challenge header each, in this order. MD5 alone by default: stock JsSIP and SIP.js
    /// keep only one of several challenges and answer only MD5, and baresip 1.0 refuses a 401 that carries SHA-256.
    /// </summary>
    public IReadOnlyList<DigestAlgorithm> Algorithms { get; init; } = [DigestAlgorithm.Md5];

    public TimeSpan NonceLifetime { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Proxy (407 / Proxy-Authorization) instead of registrar/UAS (401 / Authorization).</summary>
    public bool IsProxy { get; init; }
}

/// <summary>Looks up stored HA1 hashes; plain passwords are never needed.</summary>
public interface IDigestCredentialStore
{
    ValueTask<string?> GetHa1Async(string username, string realm, DigestAlgorithm algorithm, CancellationToken cancellationToken = default);
}

public enum DigestVerifyOutcome
{
    Authenticated,
    /// <summary>No (usable) credentials: send the challenge in <see cref="DigestVerifyResult.Response"/>.</summary>
    Challenge,
    /// <summary>Credentials wrong: answer 403 (or re-challenge, see Response).</summary>
    Rejected,
}

public sealed record DigestVerifyResult(DigestVerifyOutcome Outcome, string? Username, SipResponse? Response);

/// <summary>
/// Challenges and verifies digest credentials: qop=auth, MD5 and SHA-256, stateless HMAC-signed
/// nonces that expire after <see cref="DigestServerOptions.NonceLifetime"/>, and replay protection by
/// requiring each nonce-count to be higher than the last one accepted for that nonce.
/// </summary>
public sealed class DigestServer
{
    private readonly DigestServerOptions _options;
    private readonly IDigestCredentialStore _store;
    private readonly TimeProvider _time;
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);
    private readonly ConcurrentDictionary<string, (uint Nc, DateTimeOffset Expires)> _seen = new();

    public DigestServer(DigestServerOptions options, IDigestCredentialStore store, TimeProvider? time = null)
    {
        _options = options;
        _store = store;
        _time = time ?? TimeProvider.System;
    }

    public string CreateNonce()
    {
        Span<byte> buf = stackalloc byte[8 + 8 + 16];
        BitConverter.TryWriteBytes(buf, _time.GetUtcNow().ToUnixTimeMilliseconds());
        RandomNumberGenerator.Fill(buf.Slice(8, 8));
        HMACSHA256.HashData(_key, buf[..16])[..16].CopyTo(buf[16..]);
        return Convert.ToBase64String(buf).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    private bool TryCheckNonce(string nonce, out bool expired)
    {
        expired = false;
        Span<byte> buf = stackalloc byte[32];
        var b64 = nonce.Replace('-', '+').Replace('_', '/') + "=";
        if (!Convert.TryFromBase64String(b64, buf, out var n) || n != 32) return false;
        var mac = HMACSHA256.HashData(_key, buf[..16]);
        if (!CryptographicOperations.FixedTimeEquals(mac.AsSpan(0, 16), buf[16..])) return false;
        var issued = DateTimeOffset.FromUnixTimeMilliseconds(BitConverter.ToInt64(buf));
        expired = _time.GetUtcNow() - issued > _options.NonceLifetime;
        return true;
    }

    /// <summary>Builds a 401 (407 for proxies) with one challenge per configured algorithm, in order.</summary>
    public SipResponse CreateChallenge(SipRequest request, bool stale = false)
    {
        var response = SipResponse.Create(request, _options.IsProxy ? 407 : 401);
        var nonce = CreateNonce();
        foreach (var a in _options.Algorithms)
        {
            response.Headers.Add(_options.IsProxy ? SipHeaderNames.ProxyAuthenticate : SipHeaderNames.WwwAuthenticate,
                $"Digest realm=\"{_options.Realm}\", nonce=\"{nonce}\", algorithm={DigestHash.Name(a)}, qop=\"auth\"{(stale ? ", stale=true" : "")}");
        }
        return response;
    }

    public async ValueTask<DigestVerifyResult> VerifyAsync(SipRequest request, CancellationToken cancellationToken = default)
    {
        Purge();
        var headerName = _options.IsProxy ? SipHeaderNames.ProxyAuthorization : SipHeaderNames.Authorization;
        DigestHeader? creds = null;
        foreach (var v in request.Headers.GetAll(headerName))
        {
            if (DigestHeader.TryParse(v, out var h) && h!.IsDigest && string.Equals(h["realm"], _options.Realm, StringComparison.Ordinal))
            {
                creds = h;
                break;
            }
        }
        // Unknown schemes (RFC 4475 3.3.7) or credentials for another realm are simply challenged.
        if (creds is null) return new(DigestVerifyOutcome.Challenge, null, CreateChallenge(request));
        var username = creds["username"];
        var nonce = creds["nonce"];
        var uri = creds["uri"];
        var response = creds["response"];
        var algorithm = DigestHash.FromName(creds["algorithm"]);
        if (username is null || nonce is null || uri is null || response is null || algorithm is null || !_options.Algorithms.Contains(algorithm.Value))
            return new(DigestVerifyOutcome.Challenge, username, CreateChallenge(request));
        if (!TryCheckNonce(nonce, out var expired)) return new(DigestVerifyOutcome.Challenge, username, CreateChallenge(request));
        if (expired) return new(DigestVerifyOutcome.Challenge, username, CreateChallenge(request, stale: true));

        var qop = creds["qop"];
        var ncText = creds["nc"];
        var cnonce = creds["cnonce"];
        uint nc = 0;
        if (qop is not null)
        {
            if (!qop.Equals("auth", StringComparison.OrdinalIgnoreCase) || cnonce is null || ncText is null ||
                !uint.TryParse(ncText, System.Globalization.NumberStyles.HexNumber, null, out nc) || nc == 0)
                return new(DigestVerifyOutcome.Rejected, username, SipResponse.Create(request, 400, "Bad Request - malformed digest credentials"));
        }

        var ha1 = await _store.GetHa1Async(username, _options.Realm, algorithm.Value, cancellationToken).ConfigureAwait(false);
        if (ha1 is null) return new(DigestVerifyOutcome.Rejected, username, SipResponse.Create(request, 403, "Forbidden"));
        var expected = DigestHash.ComputeResponse(algorithm.Value, ha1, nonce, request.Method, uri, qop, ncText, cnonce);
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(response.ToLowerInvariant())))
            return new(DigestVerifyOutcome.Rejected, username, SipResponse.Create(request, 403, "Forbidden"));

        // Replay protection: each nonce-count is usable once and must grow; without qop a nonce is single-use.
        var expires = _time.GetUtcNow() + _options.NonceLifetime;
        var accepted = false;
        _seen.AddOrUpdate(nonce, _ => { accepted = true; return (nc, expires); }, (_, old) =>
        {
            if (qop is not null && nc > old.Nc)
            {
                accepted = true;
                return (nc, old.Expires);
            }
            accepted = false;
            return old;
        });
        if (!accepted) return new(DigestVerifyOutcome.Challenge, username, CreateChallenge(request, stale: true));
        return new(DigestVerifyOutcome.Authenticated, username, null);
    }

    private void Purge()
    {
        if (_seen.Count < 1024) return;
        var now = _time.GetUtcNow();
        foreach (var kv in _seen)
        {
            if (kv.Value.Expires < now) _seen.TryRemove(kv.Key, out _);
        }
    }
}

/// <summary>Client side: answers a 401/407 challenge for a request.</summary>
public sealed class DigestClient
{
    private readonly string _username;
    private readonly Func<string, DigestAlgorithm, string> _ha1;
    private uint _nc;
    private string? _lastNonce;

    /// <summary>From a password (the HA1 is computed per realm and algorithm as needed).</summary>
    public DigestClient(string username, string password)
    {
        _username = username;
        _ha1 = (realm, a) => DigestHash.ComputeHa1(a, username, realm, password);
    }

    /// <summary>From a precomputed HA1 valid for one realm and algorithm.</summary>
    public DigestClient(string username, string ha1, DigestAlgorithm algorithm)
    {
        _username = username;
        _ha1 = (_, a) => a == algorithm ? ha1 : throw new InvalidOperationException("HA1 was stored for " + algorithm);
    }

    /// <summary>
    /// Adds Authorization/Proxy-Authorization to <paramref name="request"/> (whose CSeq the caller has
    /// already incremented) using the first challenge whose algorithm is supported, as RFC 8760 asks.
    /// </summary>
    public bool TryAuthorize(SipResponse challenge, SipRequest request)
    {
        var proxy = challenge.StatusCode == 407;
        foreach (var value in challenge.Headers.GetAll(proxy ? SipHeaderNames.ProxyAuthenticate : SipHeaderNames.WwwAuthenticate))
        {
            if (!DigestHeader.TryParse(value, out var h) || !h!.IsDigest) continue;
            var alg = DigestHash.FromName(h["algorithm"]);
            var realm = h["realm"];
            var nonce = h["nonce"];
            if (alg is null || realm is null || nonce is null) continue;
            var qopOptions = h["qop"];
            var qop = qopOptions is not null && qopOptions.Split(',').Any(q => q.Trim().Equals("auth", StringComparison.OrdinalIgnoreCase)) ? "auth" : null;
            if (nonce != _lastNonce)
            {
                _lastNonce = nonce;
                _nc = 0;
            }
            var nc = (++_nc).ToString("x8", System.Globalization.CultureInfo.InvariantCulture);
            var cnonce = SipIds.NewTag();
            var uri = request.RequestUri.ToString();
            var resp = DigestHash.ComputeResponse(alg.Value, _ha1(realm, alg.Value), nonce, request.Method, uri, qop, nc, cnonce);
            var sb = new StringBuilder();
            sb.Append($"Digest username=\"{_username}\", realm=\"{realm}\", nonce=\"{nonce}\", uri=\"{uri}\", response=\"{resp}\", algorithm={DigestHash.Name(alg.Value)}");
            if (qop is not null) sb.Append($", qop={qop}, nc={nc}, cnonce=\"{cnonce}\"");
            if (h["opaque"] is { } opaque) sb.Append($", opaque=\"{opaque}\"");
            request.Headers.Set(proxy ? SipHeaderNames.ProxyAuthorization : SipHeaderNames.Authorization, sb.ToString());
            return true;
        }
        return false;
    }
}
