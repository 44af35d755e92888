// Who may change whom. Ordinary staff run the shop, customers' accounts
// included; only a superuser manages staff: grants or removes staff or
// superuser status, sets another staff member's password, changes another
// staff member's email (a password reset is mailed there, so changing it would
// be setting their password), deletes a staff account or changes whether it is
// active (reactivating one gives its admin access back). Nobody locks
// themselves out. Every rule is checked against rows the caller has locked in
// its transaction, so a concurrent change to either account cannot slip
// between the check and the write.
import { PermissionDeniedError, ValidationError } from '../../lib/errors';
import type { AdminUpdateUserInput } from './users.schemas';

/** The fields of an account these rules read. */
export interface Account {
  id: number;
  email: string;
  isStaff: boolean;
  isSuperuser: boolean;
  isActive: boolean;
}

/** A superuser's powers need an active staff account that still has them. */
export const isSuperuser = (account: Pick<Account, 'isStaff' | 'isSuperuser' | 'isActive'> | null | undefined): boolean =>
  Boolean(account?.isActive && account.isStaff && account.isSuperuser);

/** Refuses `actor` unless a superuser; `what` finishes "Only a superuser can ...". */
export function requireSuperuser(actor: Account | null | undefined, what: string[]): void {
  if (what.length > 0 && !isSuperuser(actor)) throw new PermissionDeniedError(`Only a superuser can ${what.join(' or ')}.`);
}

/** What in `input` only a superuser may do to `target`, as the refusal names it. */
export function superuserChanges(target: Account, input: AdminUpdateUserInput, actorId: number): string[] {
  const needs: string[] = [];
  if (input.is_staff !== undefined && input.is_staff !== target.isStaff) needs.push(input.is_staff ? 'grant staff status' : 'remove staff status');
  if (input.is_superuser !== undefined && input.is_superuser !== target.isSuperuser) {
    needs.push(input.is_superuser ? 'grant superuser status' : 'remove superuser status');
  }
  if (target.isStaff && input.is_active !== undefined && input.is_active !== target.isActive) {
    needs.push(input.is_active ? 'reactivate a staff account' : 'deactivate a staff account');
  }
  if (target.isStaff && target.id !== actorId && input.email !== undefined && input.email !== target.email) {
    needs.push("change another staff member's email");
  }
  return needs;
}

/** The roles `input` leaves `target` with: losing staff loses superuser too, unless kept explicitly (refused). */
export function rolesAfter(target: Pick<Account, 'isStaff' | 'isSuperuser'>, input: Pick<AdminUpdateUserInput, 'is_staff' | 'is_superuser'>) {
  const isStaff = input.is_staff ?? target.isStaff;
  const isSuperuser = input.is_superuser ?? (isStaff && target.isSuperuser);
  refuseSuperuserWithoutStaff({ isStaff, isSuperuser });
  return { isStaff, isSuperuser };
}

/** The database refuses it too (users_superuser_is_staff); this says it beside the field. */
export function refuseSuperuserWithoutStaff(roles: { isStaff: boolean; isSuperuser: boolean }): void {
  if (roles.isSuperuser && !roles.isStaff) throw ValidationError.field('is_superuser', 'A superuser must also be staff.');
}

/** Staff may not lock themselves out: the last staff member, or superuser, could not undo it. */
export function refuseSelfLockout(self: Account, input: AdminUpdateUserInput): void {
  if (input.is_staff === false) throw ValidationError.field('is_staff', 'You cannot remove your own staff status.');
  if (input.is_superuser === false && self.isSuperuser) throw ValidationError.field('is_superuser', 'You cannot remove your own superuser status.');
  if (input.is_active === false) throw ValidationError.field('is_active', 'You cannot deactivate your own account.');
}
