// Node-RED storage module (the settings' `storageModule`): flows, credentials, runtime settings
// and sessions live in the platform store; the child asks the supervisor for them over IPC.
// The library (saved snippets) is not offered yet: it answers as an empty library.
import type { TenantSide } from '../supervisor/ipc.js';

export function createStorage(ipc: TenantSide) {
  return {
    init: async () => {},
    getFlows: () => ipc.request('flows.get'),
    // Node-RED passes the deploying user (its admin-auth user) as the second argument.
    saveFlows: (flows: unknown[], user?: { username?: unknown }) =>
      ipc.request('flows.save', flows, typeof user?.username === 'string' ? user.username : null),
    getCredentials: () => ipc.request('credentials.get'),
    saveCredentials: (creds: unknown) => ipc.request('credentials.save', creds),
    getSettings: () => ipc.request('state.get', 'settings'),
    saveSettings: (settings: unknown) => ipc.request('state.save', 'settings', settings),
    getSessions: () => ipc.request('state.get', 'sessions'),
    saveSessions: (sessions: unknown) => ipc.request('state.save', 'sessions', sessions),
    getLibraryEntry: async (_type: string, path: string) => {
      // A folder listing is an array; a missing entry is an error Node-RED turns into 404.
      if (path === '' || path.endsWith('/')) return [];
      const err = new Error('not found') as Error & { code: string };
      err.code = 'not_found';
      throw err;
    },
    saveLibraryEntry: async () => {
      const err = new Error('the library is not available') as Error & { code: string };
      err.code = 'forbidden';
      throw err;
    },
  };
}
