// Stock JsSIP 3.13 as a browser phone: registers (or not), answers incoming calls by itself, places calls. Only the
// library's public API with its default settings, plus the empty ICE server list a closed network needs.
import JsSIP from 'jssip';
import { state, log, playRemote, rtpStats, captureRemote } from './common.js';

let ua = null;
let session = null;
let remoteStream = null;

function track(s) {
  session = s;
  s.on('progress', () => log('progress'));
  s.on('accepted', () => log('accepted'));
  s.on('confirmed', () => {
    state.call = 'established';
    log('confirmed');
    remoteStream = playRemote(s.connection);
  });
  s.on('ended', (e) => { state.call = 'ended'; state.cause = e.cause; log(`ended: ${e.cause}`); });
  s.on('failed', (e) => { state.call = 'failed'; state.cause = e.cause; log(`failed: ${e.cause}`); });
}

window.phone = {
  library: `JsSIP ${JsSIP.version}`,
  state,
  start({ wsUrl, aor, user, password, register }) {
    if (window.localStorage.getItem('debug')) JsSIP.debug.enable('JsSIP:*');
    ua = new JsSIP.UA({
      sockets: [new JsSIP.WebSocketInterface(wsUrl)],
      uri: aor,
      authorization_user: user,
      password,
      register,
    });
    ua.on('connected', () => log('ws connected'));
    ua.on('registered', () => { state.registered = true; log('registered'); });
    ua.on('unregistered', () => { state.registered = false; log('unregistered'); });
    ua.on('registrationFailed', (e) => { state.cause = e.cause; log(`registration failed: ${e.cause}`); });
    ua.on('newRTCSession', (e) => {
      if (e.originator !== 'remote') return;
      state.call = 'ringing';
      log(`incoming from ${e.request.from.uri}`);
      track(e.session);
      e.session.answer({ mediaConstraints: { audio: true, video: false }, pcConfig: { iceServers: [] } });
    });
    ua.start();
  },
  call(target) {
    state.call = 'calling';
    log(`calling ${target}`);
    track(ua.call(target, { mediaConstraints: { audio: true, video: false }, pcConfig: { iceServers: [] } }));
  },
  hangup() { session?.terminate(); },
  stop() { ua?.stop(); },
  stats: () => rtpStats(session?.connection),
  capture: (seconds) => captureRemote(remoteStream, seconds),
};
log('loaded');
