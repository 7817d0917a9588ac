'use client';
/**
 * The login page (served without the secret; it holds no data). The secret
 * goes to POST /api/login, which sets an HTTP-only session cookie; the
 * secret itself is never stored in the browser.
 */
import { useState, type FormEvent } from 'react';

export function LoginForm() {
  const [secret, setSecret] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const res = await fetch('/api/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ secret }), credentials: 'same-origin' });
      if (!res.ok) {
        const body = (await res.json().catch(() => ({}))) as { error?: string };
        setError(body.error ?? `login failed (${res.status})`);
        return;
      }
      const next = new URLSearchParams(window.location.search).get('next');
      window.location.assign(next && next.startsWith('/') && !next.startsWith('//') ? next : '/');
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="login panel" data-testid="login-page">
      <h1>⚡ Flint</h1>
      <p className="muted">This cluster needs its secret (FLINT_SECRET) to show its pages.</p>
      <form onSubmit={submit}>
        <input type="password" placeholder="cluster secret" value={secret} onChange={(e) => setSecret(e.target.value)} autoFocus data-testid="login-secret" />
        <button type="submit" disabled={busy || !secret} data-testid="login-submit">
          Log in
        </button>
      </form>
      {error && (
        <div className="banner bad" data-testid="login-error">
          {error}
        </div>
      )}
    </div>
  );
}
