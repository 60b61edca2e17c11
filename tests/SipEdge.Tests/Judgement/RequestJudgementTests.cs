using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Acd.SipEdge.Tests.Judgement;

/// <summary>
/// Requests are judged on syntax and protocol before they are challenged: each message comes from 127.0.0.2, an
/// address the edge does not trust, so a 401 where a 400/405/415/416/505 is due shows the digest check ran first.
/// </summary>
[Collection(EdgeCollection.Name)]
public sealed class RequestJudgementTests(EdgeHost host)
{
    public static TheoryData<string> Requests() => [.. TortureRequests.All.Select(c => c.Name)];

    public static TheoryData<string> Responses() => [.. TortureRequests.Responses.Select(c => c.Name)];

    [Theory]
    [MemberData(nameof(Requests))]
    public async Task An_untrusted_request_is_judged_before_digest(string name)
    {
        var @case = TortureRequests.All.Single(c => c.Name == name);
        await using var peer = await UntrustedPeer.OpenAsync(host.SipPort);
        var message = peer.Build(@case);
        var response = await peer.ExchangeAsync(message);

        Assert.True(response is not null, $"{name} ({@case.Why}): no answer to {message.Length} bytes");
        Assert.True(@case.Expected!.Contains(response.Code), $"{name} ({@case.Why}): got {response.StatusLine}, expected {string.Join("/", @case.Expected!)}");
        if (response.Code == 400)
        {
            // The reason phrase says what is wrong, not only "Bad Request".
            Assert.True(@case.Reason is not null, $"{name}: every 400 case names the reason it expects");
            Assert.Contains(@case.Reason, response.StatusLine, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_long_request_is_over_five_kilobytes_and_answered_in_full()
    {
        await using var peer = await UntrustedPeer.OpenAsync(host.SipPort);
        var message = peer.Build(TortureRequests.All.Single(c => c.Name == "longreq"));
        Assert.InRange(message.Length, 5000, 8000);
        var response = await peer.ExchangeAsync(message);
        Assert.NotNull(response);
        // Every Via of the request comes back (RFC 3261 8.2.6.2), so the whole header section was parsed.
        Assert.Equal(35, response.Headers.Count(h => h.StartsWith("Via:", StringComparison.OrdinalIgnoreCase)));
    }

    [Theory]
    [MemberData(nameof(Responses))]
    public async Task A_stray_response_is_dropped(string name)
    {
        var @case = TortureRequests.Responses.Single(c => c.Name == name);
        await using var peer = await UntrustedPeer.OpenAsync(host.SipPort);
        await peer.SendAsync(peer.Build(@case));

        // An OPTIONS sent after it is answered; had the stray response provoked anything, it would have come first.
        var probe = await peer.ExchangeAsync(peer.Build(TortureRequests.All.Single(c => c.Name == "semiuri")));
        Assert.NotNull(probe);
        Assert.Equal(200, probe.Code);
        Assert.Equal(0, peer.UnexpectedDatagrams);
    }

    [Fact]
    public async Task An_rfc2543_invite_is_one_transaction_with_its_retransmissions_and_its_ack()
    {
        await using var peer = await UntrustedPeer.OpenAsync(host.SipPort);
        var invite = peer.Build(TortureRequests.All.Single(c => c.Name == "inv2543"));
        var first = await peer.ExchangeAsync(invite);
        Assert.NotNull(first);
        Assert.Equal(401, first.Code);
        var toTag = first.Header("To");

        // RFC 3261 17.2.3: without a magic cookie the retransmission is matched on Request-URI, tags, Call-ID, CSeq and
        // top Via, and answered with the same response (same To tag), not handled as a new request.
        var again = await peer.ExchangeAsync(invite);
        Assert.NotNull(again);
        Assert.Equal(401, again.Code);
        Assert.Equal(toTag, again.Header("To"));

        // The ACK (same Via, To with the response's tag) matches the INVITE transaction and stops the retransmissions:
        // a later OPTIONS is answered and nothing else arrives in between.
        var text = Encoding.UTF8.GetString(invite);
        var headEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var ack = string.Join("\r\n", text[..headEnd].Split("\r\n")
            .Select(l => l.StartsWith("INVITE ", StringComparison.Ordinal) ? "ACK " + l["INVITE ".Length..]
                : l.StartsWith("To:", StringComparison.Ordinal) ? "To:" + toTag
                : l.StartsWith("CSeq:", StringComparison.Ordinal) ? "CSeq: 1 ACK"
                : l.StartsWith("Content-Type:", StringComparison.Ordinal) ? "Content-Length: 0"
                : l)) + "\r\n\r\n";
        await peer.SendAsync(Encoding.UTF8.GetBytes(ack));
        peer.IgnoreRetransmissionsOf(first.StatusLine);
        var probe = await peer.ExchangeAsync(peer.Build(TortureRequests.All.Single(c => c.Name == "semiuri")));
        Assert.NotNull(probe);
        Assert.Equal(200, probe.Code);
    }

    [Fact]
    public async Task A_known_method_the_edge_does_not_serve_gets_405_with_allow()
    {
        await using var peer = await UntrustedPeer.OpenAsync(host.SipPort);
        var response = await peer.ExchangeAsync(peer.Build(TortureRequests.All.Single(c => c.Name == "mpart01")));
        Assert.NotNull(response);
        Assert.Equal(405, response.Code);
        var allow = response.Header("Allow") ?? "";
        Assert.Contains("REGISTER", allow, StringComparison.Ordinal);
        Assert.Contains("INVITE", allow, StringComparison.Ordinal);
        Assert.DoesNotContain("MESSAGE", allow, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_415_says_which_bodies_are_accepted()
    {
        await using var peer = await UntrustedPeer.OpenAsync(host.SipPort);
        var response = await peer.ExchangeAsync(peer.Build(TortureRequests.All.Single(c => c.Name == "invut")));
        Assert.NotNull(response);
        Assert.Equal(415, response.Code);
        Assert.Contains("application/sdp", response.Header("Accept") ?? "", StringComparison.Ordinal);
    }

    /// <summary>A UDP socket on 127.0.0.2 (loopback, but not the allow-listed 127.0.0.1) talking to the edge.</summary>
    private sealed class UntrustedPeer : IAsyncDisposable
    {
        private readonly Socket _socket;
        private readonly IPEndPoint _edge;
        private readonly HashSet<string> _ignored = new(StringComparer.Ordinal);
        private int _unexpected;

        private UntrustedPeer(Socket socket, IPEndPoint edge)
        {
            _socket = socket;
            _edge = edge;
        }

        public int UnexpectedDatagrams => _unexpected;

        public static Task<UntrustedPeer> OpenAsync(int edgePort)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            socket.Bind(new IPEndPoint(IPAddress.Parse("127.0.0.2"), 0));
            return Task.FromResult(new UntrustedPeer(socket, new IPEndPoint(IPAddress.Loopback, edgePort)));
        }

        private string Via => "127.0.0.2:" + ((IPEndPoint)_socket.LocalEndPoint!).Port.ToString(CultureInfo.InvariantCulture);

        public byte[] Build(TortureRequests.Case @case) =>
            @case.Build(Via, "127.0.0.1:" + _edge.Port.ToString(CultureInfo.InvariantCulture), Guid.NewGuid().ToString("N")[..10]);

        public async Task SendAsync(byte[] message) => await _socket.SendToAsync(message, SocketFlags.None, _edge);

        public void IgnoreRetransmissionsOf(string statusLine) => _ignored.Add(statusLine);

        /// <summary>Sends and returns the first final response (provisionals skipped), or null after 5 s.</summary>
        public async Task<SipReply?> ExchangeAsync(byte[] message)
        {
            await SendAsync(message);
            var buffer = new byte[65535];
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                while (true)
                {
                    var received = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), timeout.Token);
                    var reply = SipReply.Parse(Encoding.UTF8.GetString(buffer, 0, received.ReceivedBytes));
                    if (reply.Code is >= 100 and < 200)
                    {
                        continue;
                    }

                    if (_ignored.Contains(reply.StatusLine) && !reply.Header("CSeq")!.Contains("OPTIONS", StringComparison.Ordinal))
                    {
                        _unexpected++;
                        continue;
                    }

                    if (reply.Header("CSeq") is { } cseq && !Encoding.UTF8.GetString(message).Contains("CSeq: " + cseq, StringComparison.Ordinal)
                        && !Encoding.UTF8.GetString(message).Contains("CSeq:" + cseq, StringComparison.Ordinal))
                    {
                        _unexpected++;
                        continue;
                    }

                    return reply;
                }
            }
            catch (OperationCanceledException)
            {
                return null;
            }
        }

        public ValueTask DisposeAsync()
        {
            _socket.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    private sealed record SipReply(string StatusLine, int Code, IReadOnlyList<string> Headers)
    {
        public static SipReply Parse(string text)
        {
            var head = text.Split("\r\n\r\n")[0].Split("\r\n");
            var code = head[0].StartsWith("SIP/2.0 ", StringComparison.Ordinal) && head[0].Length >= 11
                ? int.Parse(head[0].AsSpan(8, 3), CultureInfo.InvariantCulture)
                : 0;
            return new SipReply(head[0], code, head[1..]);
        }

        public string? Header(string name) => Headers.FirstOrDefault(h => h.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase)) is { } line
            ? line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim()
            : null;
    }
}
