using System.Globalization;

namespace Acd.Interop.Tests.Peers;

/// <summary>
/// Stock Kamailio 5.6 (Debian) as a small stateful proxy on 127.0.0.2, so the edge sees it as a source of its own:
/// tm + rr (record-routes every dialog it forwards, relays in-dialog requests by their Route). Two roles, told apart by
/// the source of an initial request:
/// <list type="bullet">
/// <item>from the edge (its outbound trunk): a carrier that challenges with its default digest (407, MD5 with qop=auth, the
/// plain-text password of the auth module) and then forwards to the called party behind it (<c>calledPartyPort</c>);</item>
/// <item>from anyone else: a carrier delivering calls to the ACD, forwarded to the Request-URI (the edge).</item>
/// </list>
/// It logs to stderr (-E), each request and each digest decision with xlog, in the foreground (-DD).
/// </summary>
public sealed class Kamailio : IAsyncDisposable
{
    public const string Address = "127.0.0.2";

    public const string Realm = "kamailio.test";

    private readonly PeerProcess _process;

    private Kamailio(string directory, int port, PeerProcess process)
    {
        Directory = directory;
        Port = port;
        _process = process;
    }

    public string Directory { get; }

    public int Port { get; }

    public static string Executable => PeerProcess.Find("kamailio", "kamailio");

    public static async Task<Kamailio> StartAsync(int port, int edgePort, int calledPartyPort, string trunkUser, string trunkPassword)
    {
        var directory = Path.Combine(Path.GetTempPath(), "acd-interop-peers", $"kamailio-{Guid.NewGuid().ToString("N")[..8]}");
        System.IO.Directory.CreateDirectory(Path.Combine(directory, "run"));
        var config = Path.Combine(directory, "kamailio.cfg");
        await File.WriteAllTextAsync(config, Config(port, edgePort, calledPartyPort, trunkUser, trunkPassword));
        var process = PeerProcess.Start("kamailio", Executable,
            ["-f", config, "-DD", "-E", "-m", "64", "-M", "8", "-Y", Path.Combine(directory, "run"), "-w", directory], directory);
        var kamailio = new Kamailio(directory, port, process);
        if (!await process.WaitForOutputAsync("kamailio ready", TimeSpan.FromSeconds(15)))
        {
            var output = process.Output();
            await kamailio.DisposeAsync();
            throw new InvalidOperationException($"Kamailio did not start:\n{output}");
        }

        return kamailio;
    }

    public static string Config(int port, int edgePort, int calledPartyPort, string trunkUser, string trunkPassword)
    {
        string P(int p) => p.ToString(CultureInfo.InvariantCulture);
        return $$"""
            #!KAMAILIO
            debug=2
            log_stderror=yes
            children=2
            auto_aliases=no
            listen=udp:{{Address}}:{{P(port)}}
            mpath="/usr/lib/x86_64-linux-gnu/kamailio/modules/"

            loadmodule "tm.so"
            loadmodule "sl.so"
            loadmodule "rr.so"
            loadmodule "pv.so"
            loadmodule "maxfwd.so"
            loadmodule "textops.so"
            loadmodule "siputils.so"
            loadmodule "xlog.so"
            loadmodule "auth.so"
            loadmodule "cfgutils.so"

            modparam("rr", "append_fromtag", 1)

            event_route[core:worker-one-init] {
                xlog("L_INFO", "kamailio ready\n");
            }

            request_route {
                xlog("L_INFO", "request $rm $ru from $si:$sp call-id $ci\n");
                if (!mf_process_maxfwd_header("10")) {
                    sl_send_reply("483", "Too Many Hops");
                    exit;
                }

                if (has_totag()) {
                    if (loose_route()) {
                        xlog("L_INFO", "in-dialog $rm routed to $ru call-id $ci\n");
                        t_relay();
                        exit;
                    }
                    if (is_method("ACK")) {
                        if (t_check_trans()) {
                            t_relay();
                        }
                        exit;
                    }
                    xlog("L_INFO", "in-dialog $rm without our Route: 404\n");
                    sl_send_reply("404", "Not here");
                    exit;
                }

                if (is_method("CANCEL")) {
                    if (t_check_trans()) {
                        t_relay();
                    }
                    exit;
                }

                t_check_trans();

                if ($si == "127.0.0.1" && $sp == {{P(edgePort)}}) {
                    # The edge's outbound trunk: a carrier demanding digest (Kamailio's default challenge).
                    if (!pv_proxy_authenticate("{{Realm}}", "{{trunkPassword}}", "0")) {
                        xlog("L_INFO", "challenge $rm $ru from the edge (407)\n");
                        proxy_challenge("{{Realm}}", "1");
                        exit;
                    }
                    if ($au != "{{trunkUser}}") {
                        xlog("L_INFO", "wrong user $au: 403\n");
                        sl_send_reply("403", "Forbidden");
                        exit;
                    }
                    xlog("L_INFO", "authenticated $au for $rm $ru\n");
                    consume_credentials();
                    record_route();
                    $du = "sip:127.0.0.1:{{P(calledPartyPort)}}";
                    t_relay();
                    exit;
                }

                # A call from the carrier's side towards the ACD: the Request-URI names the edge.
                record_route();
                t_relay();
            }

            onreply_route {
                xlog("L_INFO", "reply $rs $rr for $rm from $si:$sp\n");
            }

            """;
    }

    public string Output(int maxChars = 20_000) => _process.Output(maxChars);

    public string Describe() => $"--- kamailio ---\n{Output()}";

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        try
        {
            if (!PeerProcess.KeepFolders)
            {
                System.IO.Directory.Delete(Directory, recursive: true);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
