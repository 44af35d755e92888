import { z } from 'zod';
import { emailField } from '../users/users.schemas';

export const RESET_REQUESTED = 'If an account uses this email, a reset link is on its way.';

export const resetRequestBody = z
  .strictObject({ email: emailField })
  .meta({ id: 'PasswordResetRequest', example: { email: 'alice@example.com' } });

export const resetRequested = z
  .strictObject({ detail: z.literal(RESET_REQUESTED) })
  .meta({ id: 'PasswordResetRequested', example: { detail: RESET_REQUESTED } });

// uid and token are only bounded here: anything else wrong with them is a
// dead link (reset_token_invalid), which tells the user what to do next.
// new_password gets registration's rules in the service, after the token
// check, so a dead link is reported before a weak password.
export const resetConfirmBody = z
  .strictObject({
    uid: z.string().max(256).meta({ description: 'The `uid` parameter of the link in the mail, as it is.', example: 'NDI' }),
    token: z.string().max(256).meta({ description: 'The `token` parameter of the link in the mail, as it is.', example: 'tpaigw-D-c5SLqDDXYKu6ERNbIcNNXF05XVwyhMhXh3fjuw3qw' }),
    new_password: z
      .string()
      .max(128, 'Ensure this field has no more than 128 characters.')
      .meta({
        description: "Registration's rules: at least 8 characters, at most 72 bytes, not entirely numeric, not a common password, not similar to the username or email.",
        example: 'correct-horse-battery',
      }),
  })
  .meta({
    id: 'PasswordResetConfirmRequest',
    example: { uid: 'NDI', token: 'tpaigw-D-c5SLqDDXYKu6ERNbIcNNXF05XVwyhMhXh3fjuw3qw', new_password: 'correct-horse-battery' },
  });

export type ResetConfirmInput = z.output<typeof resetConfirmBody>;
