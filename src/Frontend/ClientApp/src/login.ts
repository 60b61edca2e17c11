import { ApiError, changePasswordAndSignIn, refresh, signIn, TokenResponse } from './api';
import { $ } from './ui';

function landing(session: TokenResponse): string {
  const next = new URLSearchParams(window.location.search).get('next');
  const supervises = session.roles.some((r) => r === 'supervisor' || r === 'admin');
  if (next === 'wallboard' && supervises) return '/wallboard.html';
  if (next === 'admin' && supervises) return '/admin.html';
  if (session.agentId) return '/agent.html';
  return '/wallboard.html';
}

function signInError(e: unknown): string {
  if (!(e instanceof ApiError)) return 'Sign-in failed. Please try again.';
  if (e.problem.status === 401) return 'Wrong username or password.';
  if (e.problem.status === 429) return e.problem.detail ?? 'Too many attempts. Please wait a minute.';
  return 'Sign-in failed. Please try again.';
}

/** The generated first password was right: the same card asks for the user's own before signing in. */
function askForNewPassword(username: string, current: string): void {
  const form = $('change-form') as HTMLFormElement;
  const error = $('change-error');
  const button = $('change-button') as HTMLButtonElement;
  const next = $('new-password') as HTMLInputElement;
  const confirm = $('confirm-password') as HTMLInputElement;
  $('login-form').hidden = true;
  form.hidden = false;
  next.focus();
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    if (next.value !== confirm.value) {
      error.textContent = 'The two passwords differ.';
      return;
    }
    button.disabled = true;
    try {
      window.location.assign(landing(await changePasswordAndSignIn(username, current, next.value)));
    } catch (e) {
      const field = e instanceof ApiError ? e.problem.errors?.newPassword?.[0] : undefined;
      error.textContent = field ?? signInError(e);
    } finally {
      button.disabled = false;
    }
  });
}

async function main(): Promise<void> {
  const form = $('login-form') as HTMLFormElement;
  const error = $('login-error');
  const button = $('login-button') as HTMLButtonElement;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    button.disabled = true;
    const username = ($('username') as HTMLInputElement).value.trim();
    const password = ($('password') as HTMLInputElement).value;
    try {
      const session = await signIn(username, password);
      window.location.assign(landing(session));
    } catch (e) {
      if (e instanceof ApiError && e.problem.passwordChangeRequired) {
        askForNewPassword(username, password);
        return;
      }
      error.textContent = signInError(e);
    } finally {
      button.disabled = false;
    }
  });
  // A stored session goes straight on; otherwise the form becomes usable.
  const resumed = await refresh().catch(() => null);
  if (resumed) {
    window.location.replace(landing(resumed));
    return;
  }
  button.disabled = false;
}

void main();
