using System.Diagnostics;
using System.Text;
using Acd.Sip.Messages;
using Acd.Sip.Parsing;

// Parses and serializes a typical INVITE with SDP in a tight loop and prints throughput and
// allocations per message. Run with: dotnet run -c Release --project bench/SipBench [seconds]
const string Sdp = "v=0\r\no=alice 2890844526 2890844526 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=sendrecv\r\n";
var invite = Encoding.ASCII.GetBytes(
    "INVITE sip:queue-sales@acd.example.com SIP/2.0\r\n" +
    "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds;rport\r\n" +
    "Max-Forwards: 70\r\n" +
    "To: \"Sales\" <sip:queue-sales@acd.example.com>\r\n" +
    "From: \"Alice\" <sip:alice@example.com>;tag=1928301774\r\n" +
    "Call-ID: a84b4c76e66710@pc33.example.com\r\n" +
    "CSeq: 314159 INVITE\r\n" +
    "Contact: <sip:alice@192.0.2.10:5060;transport=udp>\r\n" +
    "Allow: INVITE, ACK, CANCEL, BYE, REFER, NOTIFY, INFO, OPTIONS, UPDATE\r\n" +
    "Supported: replaces, timer\r\n" +
    "User-Agent: ExamplePhone/1.0\r\n" +
    "Content-Type: application/sdp\r\n" +
    $"Content-Length: {Sdp.Length}\r\n\r\n" + Sdp);

if (args.Length > 0 && args[0] == "--sipp-load")
{
    var rate = args.Length > 1 && int.TryParse(args[1], out var r) ? r : 1000;
    return await Acd.SipBench.SippLoad.RunAsync(rate, args.Length > 2 && args[2] == "tcp");
}

var seconds = args.Length > 0 && double.TryParse(args[0], out var s) ? s : 3;
var parsed = SipParser.Parse(invite);
if (!parsed.Success) throw new InvalidOperationException(parsed.ToString());
var message = parsed.Message!;

Console.WriteLine($"Acd.Sip benchmark: INVITE of {invite.Length} bytes (with SDP), {Environment.ProcessorCount} cores, {seconds} s per case");
var buffer = new byte[4096];
// Two rounds: on a shared machine the first round also absorbs JIT and CPU-frequency noise.
for (var round = 1; round <= 2; round++)
{
    Console.WriteLine($"-- round {round}");
    Run("parse", () => SipParser.Parse(invite));
    Run("parse + validate", () => SipRequestValidator.Evaluate(SipParser.Parse(invite)));
    Run("serialize (into buffer)", () => SipSerializer.Write(message, buffer));
    Run("serialize (ToBytes)", () => message.ToBytes());
    Run("parse + serialize", () => SipParser.Parse(invite).Message!.ToBytes());
}

void Run(string name, Action action)
{
    // Warm-up long enough for tiered JIT to reach its optimized code.
    var warm = Stopwatch.StartNew();
    while (warm.Elapsed < TimeSpan.FromSeconds(1.5)) action();
    GC.Collect();
    var allocated = GC.GetAllocatedBytesForCurrentThread();
    var sw = Stopwatch.StartNew();
    long n = 0;
    var limit = TimeSpan.FromSeconds(seconds);
    while (sw.Elapsed < limit)
    {
        for (var i = 0; i < 1000; i++) action();
        n += 1000;
    }
    sw.Stop();
    var bytes = GC.GetAllocatedBytesForCurrentThread() - allocated;
    Console.WriteLine($"{name,-26} {n / sw.Elapsed.TotalSeconds,12:N0} msg/s {bytes / (double)n,10:N0} B/msg allocated");
}

return 0;
