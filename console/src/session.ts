// The signed-in session: the platform token (the same one the flow editor takes), who it names,
// when it expires, and re-signing in place. A request refused with 401 waits here until the user
// signs in again in the dialog, then goes out once more: the page and its unsaved input stay.

/** Where the token lives; the editor's sign-in page (/flows/signin) writes the same key. */
export const TOKEN_KEY = 'dojot-red.token';
/** Node-RED's editor (at /flows/) keeps its copy of the token here, same origin: signing out clears it too. */
const EDITOR_TOKEN_KEY = 'auth-tokens-flows';

export interface Claims {
  tenant: string;
  username: string;
  profile: string;
  /** Issued and expires, epoch ms. */
  iat: number;
  exp: number;
}

export function decodeClaims(token: string): Claims | null {
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const json = JSON.parse(decodeURIComponent(escape(atob(part))));
    if (typeof json.service !== 'string' || typeof json.username !== 'string') return null;
    return {
      tenant: json.service,
      username: json.username,
      profile: String(json.profile ?? ''),
      iat: Number(json.iat ?? 0) * 1000,
      exp: Number(json.exp) * 1000,
    };
  } catch {
    return null;
  }
}

type Listener = () => void;
const listeners = new Set<Listener>();
let token: string | null = localStorage.getItem(TOKEN_KEY);
let waiting: { resolve: () => void; reject: (e: Error) => void }[] = [];
let reauthOpen = false;

function emit() {
  for (const l of listeners) l();
}

export function subscribe(l: Listener): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

export function currentToken(): string | null {
  return token;
}

export function currentClaims(): Claims | null {
  return token ? decodeClaims(token) : null;
}

export function isReauthOpen(): boolean {
  return reauthOpen;
}

/** Keeps a new token and lets the requests that waited for it go again. */
export function setToken(t: string) {
  token = t;
  localStorage.setItem(TOKEN_KEY, t);
  reauthOpen = false;
  const w = waiting;
  waiting = [];
  for (const p of w) p.resolve();
  emit();
}

/** Opens the sign-in dialog; resolves once signed in again, rejects on sign-out. */
export function requestReauth(): Promise<void> {
  if (!token) return Promise.reject(new Error('signed out'));
  reauthOpen = true;
  emit();
  return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
}

export function openReauth() {
  reauthOpen = true;
  emit();
}

/** Signs out here and in the editor: its stored token and its HttpOnly cookie. */
export async function signOut() {
  token = null;
  reauthOpen = false;
  localStorage.removeItem(TOKEN_KEY);
  localStorage.removeItem(EDITOR_TOKEN_KEY);
  const w = waiting;
  waiting = [];
  for (const p of w) p.reject(new Error('signed out'));
  emit();
  await fetch('/flows/signout', { method: 'POST' }).catch(() => undefined);
}

// Another tab signed in or out: follow it. A valid token for the same user and tenant, while this
// page waits for a sign-in, is that sign-in (the editor signed in again): the page goes on with it.
window.addEventListener('storage', (e) => {
  if (e.key !== TOKEN_KEY) return;
  const was = currentClaims();
  const next = e.newValue ? decodeClaims(e.newValue) : null;
  token = e.newValue;
  const sameSession = !!was && !!next && was.username === next.username && was.tenant === next.tenant;
  if (reauthOpen && sameSession && next.exp > Date.now()) {
    reauthOpen = false;
    const w = waiting;
    waiting = [];
    for (const p of w) p.resolve();
  }
  emit();
});
