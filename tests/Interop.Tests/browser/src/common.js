// What both test phones share: state the test reads, WebRTC statistics, and a capture of the remote audio for tone
// detection. Nothing here touches SIP: each library's own API does that in its file.

export const state = {
  registered: false,
  call: 'idle', // idle | ringing | established | ended | failed
  cause: null,
  events: [],
};

export function log(what) {
  state.events.push(`${new Date().toISOString().slice(11, 23)} ${what}`);
  const el = document.getElementById('state');
  if (el) el.textContent = `${state.registered ? 'registered' : 'unregistered'} / ${state.call}`;
}

/** Plays the remote tracks of a peer connection (the element stays muted: headless has no speaker). */
export function playRemote(pc) {
  const audio = document.getElementById('remote');
  const stream = new MediaStream(pc.getReceivers().map((r) => r.track).filter((t) => t && t.kind === 'audio'));
  audio.muted = true;
  audio.srcObject = stream;
  audio.play().catch((e) => log(`play failed: ${e}`));
  return stream;
}

/** Audio RTP counters of the peer connection, from getStats(). */
export async function rtpStats(pc) {
  const out = { packetsReceived: 0, packetsSent: 0, bytesReceived: 0, totalAudioEnergy: 0, selectedPair: null };
  if (!pc) return out;
  const reports = await pc.getStats();
  reports.forEach((r) => {
    if (r.type === 'inbound-rtp' && r.kind === 'audio') {
      out.packetsReceived += r.packetsReceived ?? 0;
      out.bytesReceived += r.bytesReceived ?? 0;
      out.totalAudioEnergy += r.totalAudioEnergy ?? 0;
    }
    if (r.type === 'outbound-rtp' && r.kind === 'audio') out.packetsSent += r.packetsSent ?? 0;
    if (r.type === 'transport' && r.selectedCandidatePairId) {
      const pair = reports.get(r.selectedCandidatePairId);
      const local = pair && reports.get(pair.localCandidateId);
      const remote = pair && reports.get(pair.remoteCandidateId);
      if (local && remote) out.selectedPair = `${local.address}:${local.port} -> ${remote.address}:${remote.port}`;
    }
  });
  return out;
}

/** Records `seconds` of the remote audio through WebAudio and returns the samples (mono float) and the sample rate. */
export async function captureRemote(stream, seconds) {
  const ctx = new AudioContext();
  await ctx.resume();
  const source = ctx.createMediaStreamSource(stream);
  const processor = ctx.createScriptProcessor(4096, 1, 1);
  const silent = ctx.createGain();
  silent.gain.value = 0;
  const chunks = [];
  let total = 0;
  const wanted = Math.round(seconds * ctx.sampleRate);
  await new Promise((resolve) => {
    processor.onaudioprocess = (e) => {
      if (total >= wanted) return;
      const data = e.inputBuffer.getChannelData(0);
      chunks.push(new Float32Array(data));
      total += data.length;
      if (total >= wanted) resolve();
    };
    source.connect(processor);
    processor.connect(silent);
    silent.connect(ctx.destination);
    setTimeout(resolve, (seconds + 5) * 1000);
  });
  source.disconnect();
  processor.disconnect();
  const samples = new Float32Array(total);
  let offset = 0;
  for (const c of chunks) {
    samples.set(c, offset);
    offset += c.length;
  }
  const rate = ctx.sampleRate;
  await ctx.close();
  return { sampleRate: rate, samples: Array.from(samples) };
}
