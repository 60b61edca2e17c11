using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace Acd.Media.Stun;

public enum IceCheckResult
{
    /// <summary>Not a binding request for us (response, indication, unparsable): nothing to send.</summary>
    Ignored,

    /// <summary>A valid check: answered with a success response, consent refreshed for that address.</summary>
    Accepted,

    /// <summary>Wrong USERNAME or MESSAGE-INTEGRITY: answered 401 (RFC 8489 9.1.3).</summary>
    Unauthorized,

    /// <summary>No USERNAME or MESSAGE-INTEGRITY at all: answered 400.</summary>
    BadRequest,
}

/// <summary>
/// The ICE-lite side of one WebRTC endpoint (RFC 8445 2.5): it never sends checks, it answers the full agent's
/// binding requests and remembers which remote addresses proved to know our password (RFC 7675 consent).
/// The controlling browser nominates with USE-CANDIDATE; media goes to the latest nominated address whose consent
/// is fresh.
/// </summary>
public sealed class IceLiteAgent
{
    private const string IceChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    private static readonly byte[] Software = "acd-media"u8.ToArray();
    private readonly TimeProvider _time;
    private byte[] _localPasswordBytes;
    private byte[] _expectedUsernamePrefix;
    private readonly List<Candidate> _candidates = [];
    private readonly Lock _lock = new();

    private sealed class Candidate(IPEndPoint address, long lastConsent)
    {
        public IPEndPoint Address { get; } = address;
        public long LastConsent { get; set; } = lastConsent;
    }

    public IceLiteAgent(TimeProvider time)
    {
        _time = time;
        LocalUfrag = RandomIceString(8);
        LocalPassword = RandomIceString(24);
        _localPasswordBytes = Encoding.ASCII.GetBytes(LocalPassword);
        _expectedUsernamePrefix = Encoding.ASCII.GetBytes(LocalUfrag + ":");
    }

    public string LocalUfrag { get; private set; }
    public string LocalPassword { get; private set; }
    public string? RemoteUfrag { get; private set; }
    public string? RemotePassword { get; private set; }

    /// <summary>RFC 7675: consent expires 30 s after the last authenticated check.</summary>
    public TimeSpan ConsentLifetime { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Where media goes: the nominated (or first valid) address, while its consent is fresh.</summary>
    public IPEndPoint? SelectedAddress { get; private set; }

    public long ChecksAccepted { get; private set; }
    public long ChecksRefused { get; private set; }

    public void SetRemoteCredentials(string ufrag, string password)
    {
        lock (_lock)
        {
            if (RemoteUfrag is not null && RemoteUfrag != ufrag)
            {
                // An ICE restart (RFC 8445 9): new local credentials too, and every old pair loses consent.
                LocalUfrag = RandomIceString(8);
                LocalPassword = RandomIceString(24);
                _localPasswordBytes = Encoding.ASCII.GetBytes(LocalPassword);
                _expectedUsernamePrefix = Encoding.ASCII.GetBytes(LocalUfrag + ":");
                _candidates.Clear();
                SelectedAddress = null;
            }
            RemoteUfrag = ufrag;
            RemotePassword = password;
        }
    }

    public bool HasConsent(long now)
    {
        lock (_lock)
        {
            if (SelectedAddress is null) return false;
            foreach (var c in _candidates)
            {
                if (c.Address.Equals(SelectedAddress)) return _time.GetElapsedTime(c.LastConsent, now) < ConsentLifetime;
            }
            return false;
        }
    }

    /// <summary>
    /// Answers a binding request from <paramref name="source"/> into <paramref name="response"/>. The USERNAME must be
    /// "ourUfrag:theirUfrag" and MESSAGE-INTEGRITY keyed with our ice-pwd (RFC 8445 7.2.2, 7.3).
    /// </summary>
    public IceCheckResult HandleBindingRequest(ReadOnlySpan<byte> packet, IPEndPoint source, Span<byte> response, out int responseLength, out bool selectionChanged)
    {
        responseLength = 0;
        selectionChanged = false;
        if (StunMessage.TryParse(packet, out var request) != StunParseResult.Ok || request.Type != Stun.BindingRequest) return IceCheckResult.Ignored;
        if (request.FingerprintOffset >= 0 && !request.VerifyFingerprint()) return IceCheckResult.Ignored; // not STUN after all
        if (request.IntegrityOffset < 0 || request.Username.Length == 0)
        {
            responseLength = WriteError(request, response, 400, "Bad Request"u8);
            return IceCheckResult.BadRequest;
        }
        byte[] prefix;
        byte[] key;
        lock (_lock)
        {
            prefix = _expectedUsernamePrefix;
            key = _localPasswordBytes;
        }
        if (!request.Username.StartsWith(prefix) || !request.VerifyIntegrity(key))
        {
            ChecksRefused++;
            responseLength = WriteError(request, response, 401, "Unauthorized"u8);
            return IceCheckResult.Unauthorized;
        }
        var now = _time.GetTimestamp();
        lock (_lock)
        {
            Candidate? known = null;
            foreach (var c in _candidates) if (c.Address.Equals(source)) known = c;
            if (known is null)
            {
                known = new Candidate(source, now);
                if (_candidates.Count >= 8) _candidates.RemoveAt(0);
                _candidates.Add(known);
            }
            known.LastConsent = now;
            if (SelectedAddress is null || (request.UseCandidate && !source.Equals(SelectedAddress)))
            {
                SelectedAddress = source;
                selectionChanged = true;
            }
        }
        ChecksAccepted++;
        var writer = new StunWriter(response, Stun.BindingSuccess, request.TransactionId);
        writer.AddXorMappedAddress(source.Address, source.Port);
        writer.AddMessageIntegrity(key);
        writer.AddFingerprint();
        responseLength = writer.Length;
        return IceCheckResult.Accepted;
    }

    private static int WriteError(StunMessage request, Span<byte> response, int code, ReadOnlySpan<byte> reason)
    {
        // No MESSAGE-INTEGRITY on a 401: the requester could not check it with a key we refused (RFC 8489 9.1.3).
        var writer = new StunWriter(response, Stun.BindingError, request.TransactionId);
        writer.AddErrorCode(code, reason);
        writer.AddAttribute(Stun.Software, Software);
        writer.AddFingerprint();
        return writer.Length;
    }

    private static string RandomIceString(int length)
    {
        // RFC 8839 5.4: ice-char is ALPHA / DIGIT / "+" / "/"; 24 characters of it carry 144 bits.
        Span<char> chars = stackalloc char[length];
        for (var i = 0; i < length; i++) chars[i] = IceChars[RandomNumberGenerator.GetInt32(IceChars.Length)];
        return new string(chars);
    }
}
