using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;

namespace Acd.Media.Dtls;

/// <summary>Which side of the DTLS handshake the engine takes (RFC 8842: a=setup decides).</summary>
public enum DtlsRole
{
    /// <summary>a=setup:passive: the peer connects, the engine accepts.</summary>
    Server,

    /// <summary>a=setup:active: the engine connects.</summary>
    Client,
}

/// <summary>
/// Runs one DTLS-SRTP handshake over the endpoint's shared socket. BouncyCastle's DTLS is blocking, so the handshake
/// has its own thread; the endpoint's receive loop feeds it the DTLS datagrams (first byte 20-63) through a queue,
/// and it sends through the endpoint towards the ICE-selected address. After the handshake the thread stays a
/// while to answer a peer that retransmits its last flight (our final flight was lost), then ends.
/// </summary>
internal sealed class DtlsSrtpTransport : DatagramTransport, IDisposable
{
    private const int Mtu = 1200;
    private static readonly TimeSpan LingerAfterHandshake = TimeSpan.FromSeconds(15);
    private readonly ConcurrentQueue<byte[]> _incoming = new();
    private readonly SemaphoreSlim _available = new(0);
    private readonly DtlsCertificate _certificate;
    private readonly DtlsRole _role;
    private readonly string _hashFunction;
    private readonly string _remoteFingerprint;
    private readonly Action<ReadOnlySpan<byte>> _send;
    private readonly Action<DtlsSrtpKeys> _completed;
    private readonly Action<string> _failed;
    private readonly ILogger _logger;
    private volatile bool _closed;
    private int _started;

    public DtlsSrtpTransport(DtlsCertificate certificate, DtlsRole role, string hashFunction, string remoteFingerprint,
        Action<ReadOnlySpan<byte>> send, Action<DtlsSrtpKeys> completed, Action<string> failed, ILogger logger)
    {
        _certificate = certificate;
        _role = role;
        _hashFunction = hashFunction;
        _remoteFingerprint = remoteFingerprint;
        _send = send;
        _completed = completed;
        _failed = failed;
        _logger = logger;
    }

    public DtlsRole Role => _role;
    public bool Started => Volatile.Read(ref _started) == 1;

    /// <summary>Set once media authenticated with the keys: the peer has finished, no more retransmissions to serve.</summary>
    public volatile bool PeerConfirmed;

    public void Start()
    {
        if (Interlocked.Exchange(ref _started, 1) == 1) return;
        var thread = new Thread(Run) { IsBackground = true, Name = "dtls-handshake" };
        thread.Start();
    }

    /// <summary>Called on the receive loop: the datagram is copied, the handshake thread reads it.</summary>
    public void Enqueue(ReadOnlySpan<byte> datagram)
    {
        if (_closed || _incoming.Count > 64) return;
        _incoming.Enqueue(datagram.ToArray());
        _available.Release();
    }

    private void Run()
    {
        try
        {
            var crypto = new BcTlsCrypto(new SecureRandom());
            DtlsTransport transport;
            DtlsSrtpKeys? keys;
            if (_role == DtlsRole.Server)
            {
                var server = new DtlsSrtpServer(crypto, _certificate, _hashFunction, _remoteFingerprint);
                // ICE already proved the peer can receive at its address, so the cookie round trip adds nothing.
                transport = new DtlsServerProtocol { VerifyRequests = false }.Accept(server, this);
                keys = server.Keys;
            }
            else
            {
                var client = new DtlsSrtpClient(crypto, _certificate, _hashFunction, _remoteFingerprint);
                transport = new DtlsClientProtocol().Connect(client, this);
                keys = client.Keys;
            }
            if (keys is null) throw new TlsFatalAlert(AlertDescription.internal_error, "no SRTP keys after the handshake");
            _completed(keys);
            var buffer = new byte[2048];
            var until = DateTime.UtcNow + LingerAfterHandshake;
            while (!_closed && !PeerConfirmed && DateTime.UtcNow < until)
            {
                transport.Receive(buffer, 0, buffer.Length, 500); // answers retransmitted flights; application data is ignored
            }
        }
        catch (Exception ex) when (!_closed)
        {
            _logger.LogInformation("DTLS handshake failed: {Reason}", ex.Message);
            _failed(ex is TlsFatalAlert alert ? $"DTLS alert {AlertDescription.GetText(alert.AlertDescription)}: {alert.Message}" : ex.Message);
        }
        catch (Exception)
        {
            // closed while handshaking: nothing to report
        }
    }

    public int GetReceiveLimit() => 2048;

    public int GetSendLimit() => Mtu;

    public int Receive(byte[] buf, int off, int len, int waitMillis) => Receive(buf.AsSpan(off, len), waitMillis);

    public int Receive(Span<byte> buffer, int waitMillis)
    {
        if (_closed) throw new TlsFatalAlert(AlertDescription.user_canceled, "endpoint closed");
        if (!_available.Wait(waitMillis)) return -1;
        if (!_incoming.TryDequeue(out var datagram)) return -1;
        var length = Math.Min(datagram.Length, buffer.Length);
        datagram.AsSpan(0, length).CopyTo(buffer);
        return length;
    }

    public void Send(byte[] buf, int off, int len) => Send(buf.AsSpan(off, len));

    public void Send(ReadOnlySpan<byte> buffer)
    {
        if (!_closed) _send(buffer);
    }

    /// <summary>BouncyCastle closes the transport when a handshake aborts; the socket belongs to the endpoint, so nothing to do.</summary>
    public void Close()
    {
    }

    public void Dispose()
    {
        _closed = true;
        _available.Release();
    }
}
