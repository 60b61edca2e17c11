// WebRTC media figures for the phone indicators (and for tests): what getStats() says about the audio stream.

export interface MediaStats {
  packetsReceived: number;
  packetsSent: number;
  bytesReceived: number;
  /** Packets this browser expected and never got (inbound-rtp). */
  packetsLostReceived: number;
  /**
   * Packets the far end reports lost of what this browser sent (remote-inbound-rtp, from its RTCP receiver reports);
   * null until a report arrived.
   */
  packetsLostSent: number | null;
  /** Local -> remote address of the nominated ICE pair, when one is up. */
  path: string | null;
}

export async function mediaStats(pc: RTCPeerConnection | null | undefined): Promise<MediaStats | null> {
  if (!pc) return null;
  const report = await pc.getStats();
  const stats: MediaStats = { packetsReceived: 0, packetsSent: 0, bytesReceived: 0, packetsLostReceived: 0, packetsLostSent: null, path: null };
  const byId = new Map<string, Record<string, unknown>>();
  report.forEach((s: Record<string, unknown>) => byId.set(String(s.id), s));
  for (const s of byId.values()) {
    if (s.type === 'inbound-rtp' && s.kind === 'audio') {
      stats.packetsReceived += Number(s.packetsReceived ?? 0);
      stats.bytesReceived += Number(s.bytesReceived ?? 0);
      stats.packetsLostReceived += Math.max(0, Number(s.packetsLost ?? 0));
    } else if (s.type === 'outbound-rtp' && s.kind === 'audio') {
      stats.packetsSent += Number(s.packetsSent ?? 0);
    } else if (s.type === 'remote-inbound-rtp' && s.kind === 'audio') {
      stats.packetsLostSent = (stats.packetsLostSent ?? 0) + Math.max(0, Number(s.packetsLost ?? 0));
    } else if (s.type === 'candidate-pair' && s.state === 'succeeded' && s.nominated) {
      const local = byId.get(String(s.localCandidateId));
      const remote = byId.get(String(s.remoteCandidateId));
      if (local && remote) stats.path = `${local.address ?? local.ip}:${local.port} -> ${remote.address ?? remote.ip}:${remote.port}`;
    }
  }
  return stats;
}

/** Plays a call's remote audio; one hidden element per call, removed when the call ends. */
export function playRemoteAudio(pc: RTCPeerConnection): () => void {
  const audio = document.createElement('audio');
  audio.autoplay = true;
  audio.hidden = true;
  document.body.append(audio);
  const attach = (stream: MediaStream) => {
    audio.srcObject = stream;
    void audio.play().catch(() => {
      /* autoplay may be refused until the next user gesture; the media still flows */
    });
  };
  pc.addEventListener('track', (e) => attach(e.streams[0] ?? new MediaStream([e.track])));
  const receivers = pc.getReceivers().map((r) => r.track).filter((t) => t.kind === 'audio');
  if (receivers.length > 0) attach(new MediaStream(receivers));
  return () => {
    audio.srcObject = null;
    audio.remove();
  };
}

/** Loss as a share of what should have arrived, for the phone indicator ("0.4 %"). */
export function lossPercent(lost: number, arrived: number): string {
  const expected = lost + arrived;
  return expected === 0 ? '0 %' : `${((100 * lost) / expected).toFixed(1)} %`;
}
