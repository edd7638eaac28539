// POST /auth/password/reset/{username}: dojot mailed a reset link, and without a mail server (its
// default, AUTH_EMAIL_HOST=NOEMAIL) answered 501. dojot-red has no mail service, so it answers as
// dojot's default deployment did, naming why and what to do instead.
import type { FastifyPluginAsync } from 'fastify';
import { AuthErrors } from './errors.js';

export function passwordResetRoute(): FastifyPluginAsync {
  return async (app) => {
    app.post('/auth/password/reset/:username', { config: { public: true } }, async () => {
      throw AuthErrors.AUTH_NO_MAIL_SERVICE(
        {},
        { message: 'Password reset by e-mail is not offered: this platform runs no mail service', status: 501 },
      );
    });
  };
}
