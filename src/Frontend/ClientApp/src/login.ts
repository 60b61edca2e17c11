import { ApiError, refresh, signIn, TokenResponse } from './api';
import { $ } from './ui';

function landing(session: TokenResponse): string {
  const next = new URLSearchParams(window.location.search).get('next');
  if (next === 'wallboard' && session.roles.some((r) => r === 'supervisor' || r === 'admin')) return '/wallboard.html';
  if (session.agentId) return '/agent.html';
  return '/wallboard.html';
}

async function main(): Promise<void> {
  const form = $('login-form') as HTMLFormElement;
  const error = $('login-error');
  const button = $('login-button') as HTMLButtonElement;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    button.disabled = true;
    try {
      const username = ($('username') as HTMLInputElement).value.trim();
      const password = ($('password') as HTMLInputElement).value;
      const session = await signIn(username, password);
      window.location.assign(landing(session));
    } catch (e) {
      error.textContent =
        e instanceof ApiError && e.problem.status === 401
          ? 'Wrong username or password.'
          : e instanceof ApiError && e.problem.status === 429
            ? (e.problem.detail ?? 'Too many attempts. Please wait a minute.')
            : 'Sign-in failed. Please try again.';
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
