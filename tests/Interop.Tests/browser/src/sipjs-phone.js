// Stock SIP.js 0.21 as a browser phone: UserAgent + Registerer + Inviter/Invitation with the library's defaults, plus
// the empty ICE server list a closed network needs (SIP.js would otherwise ask a public STUN server).
import { UserAgent, Registerer, RegistererState, Inviter, SessionState } from 'sip.js';
import { state, log, playRemote, rtpStats, captureRemote } from './common.js';

let ua = null;
let session = null;
let remoteStream = null;
const media = { constraints: { audio: true, video: false } };

function track(s) {
  session = s;
  s.stateChange.addListener((next) => {
    log(`session ${next}`);
    if (next === SessionState.Established) {
      state.call = 'established';
      remoteStream = playRemote(s.sessionDescriptionHandler.peerConnection);
    }
    if (next === SessionState.Terminated) state.call = state.call === 'established' ? 'ended' : 'failed';
  });
}

window.phone = {
  library: 'SIP.js 0.21',
  state,
  async start({ wsUrl, aor, user, password, register }) {
    ua = new UserAgent({
      uri: UserAgent.makeURI(aor),
      transportOptions: { server: wsUrl },
      authorizationUsername: user,
      authorizationPassword: password,
      sessionDescriptionHandlerFactoryOptions: { peerConnectionConfiguration: { iceServers: [] } },
      logBuiltinEnabled: !!window.localStorage.getItem('debug'),
      delegate: {
        onInvite(invitation) {
          state.call = 'ringing';
          log(`incoming from ${invitation.remoteIdentity.uri}`);
          track(invitation);
          invitation.accept({ sessionDescriptionHandlerOptions: media });
        },
      },
    });
    await ua.start();
    log('ws connected');
    if (register) {
      const registerer = new Registerer(ua);
      registerer.stateChange.addListener((next) => {
        state.registered = next === RegistererState.Registered;
        log(`registerer ${next}`);
      });
      await registerer.register({
        requestDelegate: { onReject: (r) => { state.cause = `${r.message.statusCode} ${r.message.reasonPhrase}`; log(`register rejected ${state.cause}`); } },
      });
    }
  },
  call(target) {
    state.call = 'calling';
    log(`calling ${target}`);
    const inviter = new Inviter(ua, UserAgent.makeURI(target), { sessionDescriptionHandlerOptions: media });
    track(inviter);
    inviter.invite({
      requestDelegate: { onReject: (r) => { state.cause = `${r.message.statusCode} ${r.message.reasonPhrase}`; log(`invite rejected ${state.cause}`); } },
    }).catch((e) => { state.call = 'failed'; state.cause = String(e); log(`invite failed: ${e}`); });
  },
  hangup() {
    if (!session) return;
    if (session.state === SessionState.Established) session.bye();
    else if (session.cancel) session.cancel();
    else session.reject();
  },
  stop() { ua?.stop(); },
  stats: () => rtpStats(session?.sessionDescriptionHandler?.peerConnection),
  capture: (seconds) => captureRemote(remoteStream, seconds),
};
log('loaded');
