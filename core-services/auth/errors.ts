import { defineErrors } from '../platform/errors.js';

// dojot's auth answered {"message", "status"}; those keys are kept beside {"error", "code"}.
export const AuthErrors = defineErrors({
  AUTH_INVALID_MIMETYPE: {
    status: 400,
    message: 'invalid mimetype: send a JSON body with Content-Type application/json',
  },
  AUTH_MISSING_USERNAME: { status: 400, message: 'missing username' },
  AUTH_MISSING_PASSWORD: { status: 400, message: 'missing password' },
  AUTH_BAD_CREDENTIALS: { status: 401, message: 'AuthenticationError: wrong username or password' },
  AUTH_WRONG_PASSWORD: { status: 403, message: 'AuthorizationError: wrong password' },
  AUTH_TOO_MANY_ATTEMPTS: { status: 429, message: 'Too many failed logins from this {what}; retry in {seconds} s' },
  AUTH_TOKEN_MISSING: { status: 401, message: 'No authorization token has been supplied' },
  AUTH_TOKEN_INVALID: { status: 401, message: 'Invalid JWT token: {reason}' },
  AUTH_NOT_AUTHORIZED: { status: 403, message: 'Not authorized: user {username} may not {method} {path}' },
  AUTH_REVOKE_NOT_OFFERED: { status: 403, message: 'Not authorized: token revocation is not offered' },
  AUTH_INVALID_FIELD: { status: 400, message: '{field}: {problem}' },
  AUTH_NO_USERS_FOUND: { status: 404, message: 'No results found with these filters' },
  AUTH_NO_SUCH_USER: { status: 404, message: 'No user found with this ID' },
  AUTH_USERNAME_TAKEN: { status: 400, message: 'username {username} is already in use' },
  AUTH_EMAIL_TAKEN: { status: 400, message: 'email already in use' },
  AUTH_USERNAME_IMMUTABLE: { status: 400, message: "usernames can't be updated" },
  AUTH_ADMIN_SERVICE_IMMUTABLE: { status: 405, message: "Can't edit service of admin" },
  AUTH_ADMIN_UNDELETABLE: { status: 405, message: "Can't delete the admin user" },
  AUTH_SELF_REMOVAL: { status: 400, message: "a user can't remove himself" },
  AUTH_OTHER_TENANT: { status: 403, message: 'an administrator of tenant {tenant} manages users of {tenant} only' },
  AUTH_NO_MAIL_SERVICE: {
    status: 501,
    message:
      'Password reset by e-mail is not offered (no mail service): an administrator sets a new password with PUT /auth/user/<id> {"passwd"}',
  },
  AUTH_NOT_OPERATOR: { status: 403, message: 'only an administrator of tenant admin edits permissions and groups' },
  AUTH_NO_SUCH_PERMISSION: { status: 404, message: 'No permission found with this ID: {key}' },
  AUTH_NO_SUCH_GROUP: { status: 404, message: 'No group found with this ID: {key}' },
  AUTH_NO_PERMISSIONS_FOUND: { status: 404, message: 'No permission found with these filters' },
  AUTH_NO_GROUPS_FOUND: { status: 404, message: 'No group found with these filters' },
  AUTH_PERMISSION_NAME_TAKEN: { status: 400, message: 'Permission named {name} already exists' },
  AUTH_GROUP_NAME_TAKEN: { status: 400, message: 'Group named {name} already exists' },
  AUTH_SYSTEM_PERMISSION: {
    status: 400,
    message: 'permission {name} is a system permission: it cannot be changed, removed or taken from group {group}',
  },
  AUTH_GROUP_HAS_MEMBERS: { status: 400, message: 'group {name} still has {count} user(s): remove them from it first' },
  AUTH_DEFAULT_GROUP: {
    status: 400,
    message: "group {name} is one of dojot's default groups: it cannot be renamed or removed",
  },
  AUTH_LAST_OPERATOR: {
    status: 400,
    message: 'user admin cannot leave group admin: the platform would have no operator',
  },
  AUTH_RELATION_EXISTS: { status: 409, message: '{what} is already there' },
  AUTH_NO_SUCH_RELATION: { status: 404, message: '{what} is not there' },
});

/** dojot's body keys for an auth error: {"message", "status"}. */
export const dojotKeys = (message: string, status: number) => ({ message, status });
