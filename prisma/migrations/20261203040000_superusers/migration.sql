-- Superusers, as Django's: only a superuser grants or removes staff or
-- superuser status, sets another staff member's password, changes a staff
-- account's email (a password reset goes there), or deletes, deactivates or
-- reactivates a staff account. Ordinary staff run the shop. A superuser is
-- always staff.
--
-- Which existing staff become superusers: all of them, active or not. Until
-- now every staff member could do all of the above, so this takes nothing away
-- from anyone and cannot leave a shop without someone able to manage staff.
-- Choosing fewer (the oldest account, say) could pick an account nobody uses
-- any more, or one that is deactivated, and lock the shop out of its own staff
-- settings until someone runs create-admin on the server. A shop that wants
-- ordinary staff removes superuser status from them afterwards, as a superuser.
ALTER TABLE "users" ADD COLUMN "is_superuser" BOOLEAN NOT NULL DEFAULT false;
UPDATE "users" SET "is_superuser" = true WHERE "is_staff";
ALTER TABLE "users" ADD CONSTRAINT "users_superuser_is_staff" CHECK (NOT "is_superuser" OR "is_staff");
