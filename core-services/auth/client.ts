// What other services (the gateway, the flow runtime's editor bridge) use of auth.
export type { TokenService } from './tokens.js';
export { tokenFromHeader } from './tokens.js';
export { AuthErrors } from './errors.js';
export type { Policy } from './policy.js';
