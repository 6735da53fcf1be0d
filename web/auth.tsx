/** Log in or create an account; and the prompt to log in again when the session ended (the queue is kept). */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { TodoClient } from '../sdk';
import { LIMITS } from '../shared/limits';
import { authErrorMessage } from './format';

type Mode = 'login' | 'register';

export function AuthScreen({ client, reason }: { client: TodoClient; reason: string | null }) {
  const [mode, setMode] = useState<Mode>('login');
  return (
    <main class="auth-screen">
      <div class="auth-card">
        <h1 class="brand">Todo</h1>
        <p class="muted">Lists that stay in step on every device, and with the people you share them with.</p>
        {reason && (
          <p class="notice info" role="status">
            {reason}
          </p>
        )}
        <div class="tabs" role="group" aria-label="Account">
          <button type="button" aria-pressed={mode === 'login'} onClick={() => setMode('login')}>
            Log in
          </button>
          <button type="button" aria-pressed={mode === 'register'} onClick={() => setMode('register')}>
            Create account
          </button>
        </div>
        <AuthForm client={client} mode={mode} />
      </div>
    </main>
  );
}

function AuthForm({ client, mode, email: fixedEmail }: { client: TodoClient; mode: Mode; email?: string }) {
  const [name, setName] = useState('');
  const [email, setEmail] = useState(fixedEmail ?? '');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const first = useRef<HTMLInputElement>(null);
  useEffect(() => {
    setError('');
    first.current?.focus();
  }, [mode]);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      if (mode === 'register') await client.register(email.trim(), password, name.trim());
      else await client.login(email.trim(), password);
    } catch (err) {
      setError(authErrorMessage(err));
      setBusy(false);
    }
  };

  const id = (field: string) => `${mode}-${field}`;
  return (
    <form class="stack" onSubmit={(e) => void submit(e)} aria-describedby={error ? id('error') : undefined}>
      {mode === 'register' && (
        <div class="field">
          <label for={id('name')}>Name</label>
          <input
            id={id('name')}
            ref={first}
            autocomplete="name"
            required
            maxLength={LIMITS.userNameMax}
            value={name}
            onInput={(e) => setName(e.currentTarget.value)}
          />
        </div>
      )}
      <div class="field">
        <label for={id('email')}>Email</label>
        <input
          id={id('email')}
          ref={mode === 'login' && !fixedEmail ? first : undefined}
          type="email"
          autocomplete="email"
          required
          readOnly={fixedEmail !== undefined}
          maxLength={LIMITS.emailMax}
          value={email}
          onInput={(e) => setEmail(e.currentTarget.value)}
        />
      </div>
      <div class="field">
        <label for={id('password')}>Password</label>
        <input
          id={id('password')}
          ref={fixedEmail ? first : undefined}
          type="password"
          autocomplete={mode === 'register' ? 'new-password' : 'current-password'}
          required
          minLength={LIMITS.passwordMinBytes}
          value={password}
          onInput={(e) => setPassword(e.currentTarget.value)}
        />
        {mode === 'register' && <small class="muted">At least {LIMITS.passwordMinBytes} characters.</small>}
      </div>
      {error && (
        <p class="form-error" id={id('error')} role="alert">
          {error}
        </p>
      )}
      <button type="submit" class="primary" disabled={busy}>
        {mode === 'register' ? 'Create account' : 'Log in'}
      </button>
    </form>
  );
}

/** Shown over the app when the server refused the session; everything done meanwhile stays queued. */
export function ReloginDialog({
  client,
  email,
  reason,
  onLogout,
}: {
  client: TodoClient;
  email: string;
  reason: 'expired' | 'unauthorized';
  onLogout: () => void;
}) {
  const pending = client.pendingCount();
  return (
    <div class="overlay">
      <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="relogin-title">
        <h2 id="relogin-title">{reason === 'expired' ? 'Your session expired' : 'Please log in again'}</h2>
        <p>
          Log in again to go on syncing.{' '}
          {pending > 0
            ? `Your ${String(pending)} unsent ${pending === 1 ? 'change is' : 'changes are'} kept on this device and will be sent.`
            : 'Nothing you did is lost.'}
        </p>
        <AuthForm client={client} mode="login" email={email} />
        <button type="button" class="link" onClick={onLogout}>
          Log out instead
        </button>
      </div>
    </div>
  );
}
