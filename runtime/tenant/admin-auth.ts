// Node-RED `adminAuth`: the editor and the admin API accept only a platform token of this
// runtime's tenant. Node-RED calls `tokens(token)` for a bearer token it did not issue itself
// (HTTP `Authorization` header and the comms websocket's auth packet); the supervisor verifies
// signature, expiry, tenant and revocation (the user's token epoch, as the gateway does).
// Username/password logins inside the editor are not offered: users sign in with the platform
// (`/flows/signin`).
import type { TenantSide } from '../supervisor/ipc.js';

export function createAdminAuth(ipc: TenantSide) {
  return {
    type: 'credentials',
    users: async () => null,
    authenticate: async () => null,
    tokens: async (token: string) => {
      try {
        const user = await ipc.request('token.verify', token);
        return user ? { username: user.username, permissions: '*' } : null;
      } catch {
        return null;
      }
    },
  };
}
