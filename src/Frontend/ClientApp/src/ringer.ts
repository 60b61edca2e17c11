// Ring tone (Web Audio, no asset needed) and desktop notification for offered calls.
let context: AudioContext | null = null;
let timer: number | undefined;

function beep(ctx: AudioContext): void {
  const now = ctx.currentTime;
  for (const [offset, freq] of [[0, 440], [0, 480]] as const) {
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.08, now + offset);
    gain.gain.setValueAtTime(0, now + 1.2);
    osc.connect(gain).connect(ctx.destination);
    osc.start(now);
    osc.stop(now + 1.25);
  }
}

export function startRinging(): void {
  stopRinging();
  try {
    context ??= new AudioContext();
    void context.resume();
    const ctx = context;
    beep(ctx);
    timer = window.setInterval(() => beep(ctx), 3000);
  } catch {
    /* audio not allowed until the user interacts */
  }
}

export function stopRinging(): void {
  window.clearInterval(timer);
  timer = undefined;
}

export function requestNotificationPermission(): void {
  if ('Notification' in window && Notification.permission === 'default') void Notification.requestPermission();
}

export function notify(title: string, body: string): void {
  if ('Notification' in window && Notification.permission === 'granted' && document.hidden) {
    const n = new Notification(title, { body, tag: 'acd-offer' });
    n.onclick = () => {
      window.focus();
      n.close();
    };
  }
}
