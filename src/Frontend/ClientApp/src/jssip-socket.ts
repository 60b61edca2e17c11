// JsSIP's WebSocket with one fix-up: JsSIP (3.13) keeps only the LAST WWW-Authenticate/Proxy-Authenticate header of a
// challenge and gives up unless that one is MD5. RFC 8760 servers (the ACD's edge among them) send one challenge per
// algorithm, so a challenge listing MD5 and SHA-256 would lock the phone out whatever the order. This socket drops the
// challenges JsSIP cannot answer before JsSIP parses the response, as long as an MD5 one remains.
import { WebSocketInterface } from 'jssip';

const CHALLENGE = /^(?:www|proxy)-authenticate\s*:/i;
const ALGORITHM = /[\s,]algorithm\s*=\s*"?([A-Za-z0-9-]+)/i;

/** Keeps only the MD5 digest challenges of a 401/407 (unchanged when none is MD5, or for anything else). */
export function keepMd5Challenges(message: string): string {
  if (!/^SIP\/2\.0 40[17] /.test(message)) return message;
  const end = message.indexOf('\r\n\r\n');
  const head = end < 0 ? message : message.slice(0, end);
  const lines = head.split('\r\n');
  const isMd5 = (line: string) => (ALGORITHM.exec(line)?.[1] ?? 'MD5').toUpperCase() === 'MD5';
  const challenges = lines.filter((l) => CHALLENGE.test(l));
  if (challenges.length < 2 || !challenges.some(isMd5)) return message;
  const kept = lines.filter((l) => !CHALLENGE.test(l) || isMd5(l)).join('\r\n');
  return end < 0 ? kept : kept + message.slice(end);
}

/** A JsSIP WebSocket transport whose incoming challenges are filtered by keepMd5Challenges. */
export function sipWebSocket(url: string): WebSocketInterface {
  const socket = new WebSocketInterface(url);
  let deliver: (data: unknown) => void = () => {};
  // JsSIP's Transport assigns socket.ondata and the socket calls this.ondata(data): an accessor sits in between.
  Object.defineProperty(socket, 'ondata', {
    configurable: true,
    get: () => (data: unknown) => deliver(typeof data === 'string' ? keepMd5Challenges(data) : data),
    set: (handler: (data: unknown) => void) => {
      deliver = handler;
    },
  });
  return socket;
}
