import { defineErrors } from '../platform/errors.js';

// dojot's auth answered {"message", "status"}; those keys are kept beside {"error", "code"}.
export const AuthErrors = defineErrors({
  AUTH_INVALID_MIMETYPE: {
    status: 400,
    message: 'invalid mimetype: send a JSON body with Content-Type application/json',
    fix: 'Send the body as JSON with the header Content-Type: application/json.',
  },
  AUTH_MISSING_USERNAME: { status: 400, message: 'missing username', fix: 'Add "username" to the login body.' },
  AUTH_MISSING_PASSWORD: { status: 400, message: 'missing password', fix: 'Add "passwd" to the login body.' },
  AUTH_BAD_CREDENTIALS: {
    status: 401,
    message: 'AuthenticationError: wrong username or password',
    fix: 'Check the username and password; an administrator can set a new password with PUT /auth/user/<id>.',
  },
  AUTH_WRONG_PASSWORD: {
    status: 403,
    message: 'AuthorizationError: wrong password',
    fix: 'Give the current password in "oldpasswd" when changing it.',
  },
  AUTH_TOO_MANY_ATTEMPTS: {
    status: 429,
    message: 'Too many failed logins from this {what}; retry in {seconds} s',
    fix: 'Wait the seconds named, then log in with the right password (limits: DOJOT_AUTH_FAILURES_*).',
  },
  AUTH_TOKEN_MISSING: {
    status: 401,
    message: 'No authorization token has been supplied',
    fix: 'Log in with POST /auth and send the token as Authorization: Bearer <jwt>.',
  },
  AUTH_TOKEN_INVALID: {
    status: 401,
    message: 'Invalid JWT token: {reason}',
    fix: 'Log in again with POST /auth: the token is expired, revoked or not signed by this platform.',
  },
  AUTH_NOT_AUTHORIZED: {
    status: 403,
    message: 'Not authorized: user {username} may not {method} {path}',
    fix: 'Use a user whose groups permit this method and path, or have an administrator grant it (/auth/pap).',
  },
  AUTH_REVOKE_NOT_OFFERED: {
    status: 403,
    message: 'Not authorized: token revocation is not offered',
    fix: 'None: dojot offered no revocation here; sign out by dropping the token.',
  },
  AUTH_INVALID_FIELD: {
    status: 400,
    message: '{field}: {problem}',
    fix: 'Correct the field named, as the message says.',
  },
  AUTH_NO_USERS_FOUND: {
    status: 404,
    message: 'No results found with these filters',
    fix: 'Loosen the filters (GET /auth/user lists every user of your tenant).',
  },
  AUTH_NO_SUCH_USER: { status: 404, message: 'No user found with this ID', fix: 'Use an id from GET /auth/user.' },
  AUTH_USERNAME_TAKEN: {
    status: 400,
    message: 'username {username} is already in use',
    fix: 'Choose another username.',
  },
  AUTH_EMAIL_TAKEN: {
    status: 400,
    message: 'email already in use',
    fix: 'Use another e-mail address, or update the user that has it.',
  },
  AUTH_USERNAME_IMMUTABLE: {
    status: 400,
    message: "usernames can't be updated",
    fix: 'Leave "username" out of the update; create a new user for a new name.',
  },
  AUTH_ADMIN_SERVICE_IMMUTABLE: {
    status: 405,
    message: "Can't edit service of admin",
    fix: 'Leave "service" out of the update of user admin.',
  },
  AUTH_ADMIN_UNDELETABLE: {
    status: 405,
    message: "Can't delete the admin user",
    fix: 'None: the admin user stays; remove another user.',
  },
  AUTH_SELF_REMOVAL: {
    status: 400,
    message: "a user can't remove himself",
    fix: 'Have another administrator remove this user.',
  },
  AUTH_OTHER_TENANT: {
    status: 403,
    message: 'an administrator of tenant {tenant} manages users of {tenant} only',
    fix: 'Manage the users of another tenant as one of its administrators.',
  },
  AUTH_NO_MAIL_SERVICE: {
    status: 501,
    message:
      'Password reset by e-mail is not offered (no mail service): an administrator sets a new password with PUT /auth/user/<id> {"passwd"}',
    fix: 'An administrator sets a new password with PUT /auth/user/<id> {"passwd"}.',
  },
  AUTH_NOT_OPERATOR: {
    status: 403,
    message: 'only an administrator of tenant admin edits permissions and groups',
    fix: 'Sign in as an administrator of tenant admin.',
  },
  AUTH_NO_SUCH_PERMISSION: {
    status: 404,
    message: 'No permission found with this ID: {key}',
    fix: 'Use an id or name from GET /auth/pap/permission.',
  },
  AUTH_NO_SUCH_GROUP: {
    status: 404,
    message: 'No group found with this ID: {key}',
    fix: 'Use an id or name from GET /auth/pap/group.',
  },
  AUTH_NO_PERMISSIONS_FOUND: {
    status: 404,
    message: 'No permission found with these filters',
    fix: 'Loosen the filters.',
  },
  AUTH_NO_GROUPS_FOUND: { status: 404, message: 'No group found with these filters', fix: 'Loosen the filters.' },
  AUTH_PERMISSION_NAME_TAKEN: {
    status: 400,
    message: 'Permission named {name} already exists',
    fix: 'Choose another name, or update the permission that has it.',
  },
  AUTH_GROUP_NAME_TAKEN: {
    status: 400,
    message: 'Group named {name} already exists',
    fix: 'Choose another name, or update the group that has it.',
  },
  AUTH_SYSTEM_PERMISSION: {
    status: 400,
    message: 'permission {name} is a system permission: it cannot be changed, removed or taken from group {group}',
    fix: 'Create a permission of your own for the change instead.',
  },
  AUTH_GROUP_HAS_MEMBERS: {
    status: 400,
    message: 'group {name} still has {count} user(s): remove them from it first',
    fix: 'Remove the users from the group first.',
  },
  AUTH_DEFAULT_GROUP: {
    status: 400,
    message: "group {name} is one of dojot's default groups: it cannot be renamed or removed",
    fix: 'Create a group of your own for the change instead.',
  },
  AUTH_LAST_OPERATOR: {
    status: 400,
    message: 'user admin cannot leave group admin: the platform would have no operator',
    fix: 'None: user admin stays in group admin.',
  },
  AUTH_RELATION_EXISTS: { status: 409, message: '{what} is already there', fix: 'Nothing to do: it is already there.' },
  AUTH_NO_SUCH_RELATION: {
    status: 404,
    message: '{what} is not there',
    fix: 'Nothing to remove; list the relations first.',
  },
});

/** dojot's body keys for an auth error: {"message", "status"}. */
export const dojotKeys = (message: string, status: number) => ({ message, status });
