import type { Api } from '../../http/api';
import { authRateLimiter } from '../../http/rate-limit';
import type { AuthThrottles } from '../../lib/throttle';
import { RESET_REQUESTED, resetConfirmBody, resetRequestBody, resetRequested } from './password-reset.schemas';
import { confirmPasswordReset, requestPasswordReset } from './password-reset.service';

const tag = 'users';

export function registerPasswordResetRoutes(api: Api, throttles: AuthThrottles): void {
  const rateLimit = authRateLimiter(throttles.perIp);
  api.route(
    {
      method: 'post', path: '/api/users/password-reset/', tag, summary: 'Ask for a password reset link by mail',
      description: 'Always 202 with the same body for any valid email, whether or not an active account uses it: show the user that message as it is. '
        + 'If one does, it is mailed a link to the frontend\'s `/reset-password?uid=...&token=...` route (PASSWORD_RESET_URL), '
        + 'valid once, for PASSWORD_RESET_TTL_SECONDS (1 hour by default), and only until the password or email changes. '
        + 'Limited per client IP and per email address (PASSWORD_RESET_PER_EMAIL per PASSWORD_RESET_WINDOW_SECONDS); past either, 429.',
      body: resetRequestBody, middleware: [rateLimit],
      responses: {
        202: { description: 'Accepted; the same answer for every email', schema: resetRequested },
        429: { description: 'Too many requests from this IP or for this email' },
      },
    },
    async ({ body }) => {
      await requestPasswordReset(body.email, throttles.passwordResets);
      return { status: 202, body: { detail: RESET_REQUESTED } };
    },
  );

  api.route(
    {
      method: 'post', path: '/api/users/password-reset/confirm/', tag, summary: 'Set a new password with a reset link',
      description: 'Send the `uid` and `token` of the link\'s query string as they are, with the new password. '
        + 'On success every session of the account ends (access and refresh tokens, admin sessions): log in with the new password. '
        + 'A wrong, used or expired link, or one made before the password or email changed, is a 400 with `code: "reset_token_invalid"`: '
        + 'offer to ask for a new link. A password that breaks the rules is a 400 with `errors.new_password` (the link stays usable).',
      body: resetConfirmBody, middleware: [rateLimit],
      responses: {
        204: { description: 'The password is set' },
        400: { description: '`code: "reset_token_invalid"` for a dead link; `errors.new_password` for a password that breaks the rules' },
        429: { description: 'Too many requests from this IP' },
      },
    },
    async ({ body }) => {
      await confirmPasswordReset(body);
      return { status: 204 };
    },
  );
}
