-- A per-user token version: every token carries the version it was issued at,
-- and a password change or deactivation raises it, so older access and
-- refresh tokens die on their next use.
ALTER TABLE "users" ADD COLUMN "token_version" INTEGER NOT NULL DEFAULT 0;
