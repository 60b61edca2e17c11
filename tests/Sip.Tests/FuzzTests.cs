using System.Buffers;
using System.Diagnostics;
using System.Text;
using Acd.Sip.Auth;
using Acd.Sip.Dialogs;
using Acd.Sip.Messages;
using Acd.Sip.Parsing;
using Acd.Sip.Sdp;
using Acd.Sip.Uris;

namespace Acd.Sip.Tests;

/// <summary>Seeded mutation fuzzing: no exception may escape, allocation and retention stay bounded.</summary>
public sealed class FuzzTests
{
    private const int Iterations = 20_000;

    private static readonly byte[][] Seeds = LoadSeeds();

    private static byte[][] LoadSeeds()
    {
        var list = Directory.GetFiles(TestPaths.TortureDir, "*.dat").Select(File.ReadAllBytes).ToList();
        list.Add(Encoding.ASCII.GetBytes(BenchMessages.Invite));
        return [.. list];
    }

    private static readonly byte[][] Nests =
    [
        Encoding.ASCII.GetBytes("Contact: " + new string((char)60, 1000) + "sip:a@b" + new string((char)62, 1000) + "\r\n"),
        Encoding.ASCII.GetBytes("Via: SIP/2.0/UDP h" + string.Concat(Enumerable.Repeat(";p=\"\\\"", 500)) + "\r\n"),
        Encoding.ASCII.GetBytes("Route: " + string.Join(",", Enumerable.Repeat("<sip:x;lr>", 500)) + "\r\n"),
        Encoding.ASCII.GetBytes("From: " + string.Concat(Enumerable.Repeat("\"a\\\" ", 500)) + "<sip:a@b>\r\n"),
    ];

    private static readonly byte[] HugeHeader = Encoding.ASCII.GetBytes("X-Huge: " + new string('a', 120_000) + "\r\n");
    private static readonly byte[] LongLine = Encoding.ASCII.GetBytes(new string('x', 70_000));
    private static readonly byte[] ManyFolds = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("\r\n ", 2000)));
    private static readonly byte[] ManyHeaders = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("a: b\r\n", 400)));
    private static readonly byte[] Specials = "\0\r\n:;,<>\"\\ %@=\t\xff"u8.ToArray();

    private static byte[] Mutate(Random rng, byte[] seed)
    {
        var data = new List<byte>(seed);
        var ops = rng.Next(1, 4);
        for (var o = 0; o < ops; o++)
        {
            switch (rng.Next(10))
            {
                case 0: // truncate
                    var keep = rng.Next(data.Count + 1);
                    data.RemoveRange(keep, data.Count - keep);
                    break;
                case 1: // flip bits
                    for (var i = 0; i < rng.Next(1, 8) && data.Count > 0; i++) data[rng.Next(data.Count)] ^= (byte)(1 << rng.Next(8));
                    break;
                case 2: // syntax-significant bytes, NUL and high bytes
                    for (var i = 0; i < rng.Next(1, 8) && data.Count > 0; i++) data[rng.Next(data.Count)] = Specials[rng.Next(Specials.Length)];
                    break;
                case 3: // huge header (rare: it is the costly case)
                    if (rng.Next(4) == 0) data.InsertRange(FirstLineEnd(data), HugeHeader);
                    break;
                case 4: // deep nesting
                    data.InsertRange(FirstLineEnd(data), Nests[rng.Next(Nests.Length)]);
                    break;
                case 5: // long line without CRLF, or thousands of folds
                    if (rng.Next(4) == 0) data.InsertRange(rng.Next(data.Count + 1), rng.Next(2) == 0 ? LongLine : ManyFolds);
                    break;
                case 6: // duplicate a slice
                    if (data.Count > 2)
                    {
                        var s = rng.Next(data.Count - 1);
                        var l = rng.Next(1, Math.Min(200, data.Count - s));
                        data.InsertRange(rng.Next(data.Count), data.GetRange(s, l));
                    }
                    break;
                case 7: // many headers
                    data.InsertRange(FirstLineEnd(data), ManyHeaders);
                    break;
                case 8: // delete a slice
                    if (data.Count > 2)
                    {
                        var s = rng.Next(data.Count - 1);
                        data.RemoveRange(s, rng.Next(1, Math.Min(50, data.Count - s)));
                    }
                    break;
                default: // absurd Content-Length
                    data.InsertRange(FirstLineEnd(data), Encoding.ASCII.GetBytes($"Content-Length: {rng.NextInt64() - long.MaxValue / 2}\r\n"));
                    break;
            }
        }
        return [.. data];
    }

    private static int FirstLineEnd(List<byte> data)
    {
        for (var i = 0; i + 1 < data.Count; i++)
        {
            if (data[i] == '\r' && data[i + 1] == '\n') return i + 2;
        }
        return data.Count;
    }

    private static void Exercise(byte[] input, int iteration = 0)
    {
        // Alternate datagram and stream parsing to keep the run short on two cores.
        foreach (var mode in new[] { iteration % 2 == 0 ? SipParseMode.Datagram : SipParseMode.Stream })
        {
            var r = SipParser.Parse(input, mode);
            SipRequestValidator.Evaluate(r);
            SipRequestValidator.Evaluate(r, SipValidationOptions.Proxy);
            if (r.Message is { } m)
            {
                _ = m.Vias.Count + m.Contacts.Count + m.Routes.Count + m.RecordRoutes.Count;
                _ = (m.From?.Tag, m.To?.ToString(), m.CSeq, m.MaxForwards, m.Require.Count);
                SipReplaces.TryParse(m.Headers["Replaces"], out _);
                DigestHeader.TryParse(m.Headers["Authorization"], out _);
                SipMultipart.Parse(m);
                if (m.Body.Length > 0) SdpSession.TryParse(m.BodyText, out _, out _);
                if (r.Success) SipParser.Parse(m.ToBytes());
                if (m is SipRequest req) _ = req.RequestUri.Equals(SipUri.Parse("sip:a@b"));
            }
        }
        SipStreamFramer.TryFrame(new ReadOnlySequence<byte>(input), out _);
    }

    [Fact]
    public void Mutated_messages_never_throw_and_memory_stays_bounded()
    {
        var rng = new Random(4475);
        // Warm up so JIT and static tables are not counted.
        foreach (var s in Seeds) Exercise(s);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var retainedBefore = GC.GetTotalMemory(true);
        var sw = Stopwatch.StartNew();
        long mutateTicks = 0;
        long inputBytes = 0;
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Iterations; i++)
        {
            var mt = Stopwatch.GetTimestamp();
            var input = Mutate(rng, Seeds[rng.Next(Seeds.Length)]);
            mutateTicks += Stopwatch.GetTimestamp() - mt;
            inputBytes += input.Length;
            try
            {
                Exercise(input, i);
            }
            catch (Exception ex)
            {
                Assert.Fail($"iteration {i}: {ex.GetType().Name}: {ex.Message}\n{Encoding.UTF8.GetString(input.AsSpan(0, Math.Min(input.Length, 600)))}");
            }
        }
        var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        sw.Stop();
        Console.WriteLine($"fuzz: {Iterations} iterations in {sw.ElapsedMilliseconds} ms, {inputBytes / 1_000_000} MB input, {allocated / 1_000_000} MB allocated, mutate {Stopwatch.GetElapsedTime(0, mutateTicks).TotalMilliseconds} ms, gen2 {GC.CollectionCount(2)}");
        var retainedAfter = GC.GetTotalMemory(true);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(60), $"fuzzing took {sw.Elapsed}");
        // Parsing work is proportional to input: the mutator itself allocates a few times the input size.
        Assert.True(allocated < inputBytes * 40 + Iterations * 64_000L, $"allocated {allocated / 1_000_000} MB for {inputBytes / 1_000_000} MB of input");
        Assert.True(retainedAfter - retainedBefore < 16 * 1024 * 1024, $"retained grew by {(retainedAfter - retainedBefore) / 1024} KB");
    }

    [Fact]
    public void Limits_reject_oversized_input_cheaply()
    {
        var huge = Encoding.ASCII.GetBytes("OPTIONS sip:a@b SIP/2.0\r\nX: " + new string('a', 100_000) + "\r\n\r\n");
        Assert.Equal(SipParseError.HeaderSectionTooLarge, SipParser.Parse(huge).Error);
        var many = Encoding.ASCII.GetBytes("OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n" + string.Concat(Enumerable.Repeat("a: b\r\n", 300)) + "\r\n");
        Assert.Equal(SipParseError.TooManyHeaders, SipParser.Parse(many).Error);
        Assert.Equal(SipFrameStatus.Invalid, SipStreamFramer.TryFrame(new ReadOnlySequence<byte>(huge.AsMemory(0, 90_000)), out _));
    }
}

internal static class BenchMessages
{
    private const string InviteSdp = "v=0\r\no=alice 2890844526 2890844526 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";

    public static readonly string Invite =
        "INVITE sip:queue-sales@acd.example.com SIP/2.0\r\n" +
        "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds;rport\r\n" +
        "Max-Forwards: 70\r\n" +
        "To: \"Sales\" <sip:queue-sales@acd.example.com>\r\n" +
        "From: \"Alice\" <sip:alice@example.com>;tag=1928301774\r\n" +
        "Call-ID: a84b4c76e66710@pc33.example.com\r\n" +
        "CSeq: 314159 INVITE\r\n" +
        "Contact: <sip:alice@192.0.2.10:5060>\r\n" +
        "Allow: INVITE, ACK, CANCEL, BYE, REFER, NOTIFY, INFO, OPTIONS, UPDATE\r\n" +
        "Supported: replaces, timer\r\n" +
        "User-Agent: ExamplePhone/1.0\r\n" +
        "Content-Type: application/sdp\r\n" +
        $"Content-Length: {InviteSdp.Length}\r\n\r\n" + InviteSdp;
}
