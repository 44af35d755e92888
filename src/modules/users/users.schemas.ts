import { z } from 'zod';
import { paginatedSchema } from '../../http/pagination';
import { whenFieldsValid } from '../../lib/zod-checks';

const COMMON_PASSWORDS = new Set([
  'password', 'password1', 'password123', '12345678', '123456789', '1234567890', 'qwertyuiop', 'qwerty123',
  'iloveyou', 'sunshine', 'princess', 'football', 'baseball', 'welcome1', 'letmein1', 'abc12345', 'admin123',
  'passw0rd', 'trustno1', 'superman', 'starwars', 'whatever', 'computer', 'michelle', 'jennifer',
]);

export const usernameField = z
  .string()
  .min(1, 'This field may not be blank.')
  .max(150, 'Ensure this field has no more than 150 characters.')
  .regex(/^[\w.@+-]+$/, 'Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.')
  .meta({ example: 'alice' });

export const emailField = z
  .string()
  .trim()
  .max(254, 'Ensure this field has no more than 254 characters.')
  .pipe(z.email('Enter a valid email address.'))
  .meta({ example: 'alice@example.com' });

/** Django's default validators: length, not all digits, not common. Similarity needs the other fields. */
export const passwordField = z
  .string()
  .min(8, 'This password is too short. It must contain at least 8 characters.')
  .max(128, 'Ensure this field has no more than 128 characters.')
  // bcrypt ignores everything after 72 bytes; refuse instead of silently truncating.
  .refine((p) => Buffer.byteLength(p) <= 72, 'This password is too long (at most 72 bytes).')
  .refine((p) => !/^\d+$/.test(p), 'This password is entirely numeric.')
  .refine((p) => !COMMON_PASSWORDS.has(p.toLowerCase()), 'This password is too common.')
  .meta({ example: 'correct-horse-battery' });

/**
 * A rough stand-in for Django's UserAttributeSimilarityValidator: the password
 * is, or is mostly made of, the username, the email or its local part.
 */
export function passwordTooSimilar(password: string, ...attributes: (string | undefined)[]): boolean {
  const p = password.toLowerCase();
  const candidates = attributes.flatMap((value) => (value ? [value.toLowerCase(), value.toLowerCase().split('@')[0]!] : []));
  return candidates.some((v) => v.length >= 3 && p.includes(v) && v.length * 2 >= p.length);
}

export const PASSWORD_TOO_SIMILAR = 'The password is too similar to the username or email.';

export const registerBody = z
  .strictObject({ username: usernameField, email: emailField, password: passwordField })
  .superRefine((value, ctx) => {
    if (passwordTooSimilar(value.password, value.username, value.email)) {
      ctx.addIssue({ code: 'custom', path: ['password'], message: PASSWORD_TOO_SIMILAR });
    }
  }, whenFieldsValid)
  .meta({ id: 'RegisterRequest', example: { username: 'alice', email: 'alice@example.com', password: 'correct-horse-battery' } });

export const registeredUser = z
  .strictObject({ id: z.number().int(), username: z.string(), email: z.string(), date_joined: z.iso.datetime() })
  .meta({ id: 'RegisteredUser' });

export const userSchema = z
  .strictObject({
    id: z.number().int(),
    username: z.string(),
    email: z.string(),
    is_staff: z.boolean(),
    is_superuser: z.boolean().optional().meta({ description: 'Staff only: whether this account may manage staff. Left out for customers.' }),
    date_joined: z.iso.datetime(),
  })
  .meta({ id: 'User' });

export const adminUserSchema = userSchema
  .extend({ is_superuser: z.boolean().meta({ description: 'May manage staff: grant or remove staff and superuser status, set a staff member\'s password, delete or (de)activate staff.' }), is_active: z.boolean() })
  .meta({ id: 'AdminUser' });
export const userPage = paginatedSchema(adminUserSchema, 'PaginatedUsers');

export const updateMeBody = z
  .strictObject({
    email: emailField.optional(),
    password: passwordField.optional(),
    current_password: z.string().max(128).optional(),
  })
  .superRefine((value, ctx) => {
    if (value.password !== undefined && !value.current_password) {
      ctx.addIssue({ code: 'custom', path: ['current_password'], message: 'Required to change the password.' });
    }
  }, whenFieldsValid)
  .meta({ id: 'UpdateMeRequest', example: { email: 'new@example.com' } });

export const adminUpdateUserBody = z
  .strictObject({
    username: usernameField.optional(),
    email: emailField.optional(),
    is_staff: z.boolean().optional(),
    is_superuser: z.boolean().optional(),
    is_active: z.boolean().optional(),
  })
  .meta({ id: 'AdminUpdateUserRequest', example: { is_staff: true } });

export type RegisterInput = z.output<typeof registerBody>;
export type UpdateMeInput = z.output<typeof updateMeBody>;
export type AdminUpdateUserInput = z.output<typeof adminUpdateUserBody>;

function samePasswordTwice(value: { password: string; password2: string }, ctx: z.RefinementCtx): void {
  if (value.password !== value.password2) {
    ctx.addIssue({ code: 'custom', path: ['password2'], message: "The two password fields didn't match." });
  }
}

/** Staff setting a user's new password (admin form): the password twice, as Django's admin asks. */
export const setPasswordBody = z
  .strictObject({ password: passwordField, password2: z.string().max(128) })
  .superRefine(samePasswordTwice, whenFieldsValid);

export type SetPasswordInput = z.output<typeof setPasswordBody>;

/** Staff changing their own password (admin form): the current one first, as PATCH /api/users/me/ asks. */
export const changeOwnPasswordBody = z
  .strictObject({ current_password: z.string().min(1, 'Required to change the password.').max(128), password: passwordField, password2: z.string().max(128) })
  .superRefine(samePasswordTwice, whenFieldsValid);
