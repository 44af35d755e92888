-- One login name, one account. A login name is a username or an email, and
-- both log in (POST /api/token/, /admin/login), so a username that equals
-- someone else's email (or differs from another username only in case) let
-- one account be mistaken for another: budgets of failed logins were shared
-- and cleared across them. From now on every login name, folded by lower(),
-- belongs to at most one account:
--   * usernames are unique case-insensitively (users_username_lower_key),
--     as Django refuses case-only variants since 4.2;
--   * no username equals another account's email and no email another
--     account's username: user_login_names holds every account's names and
--     its primary key refuses a second owner; a trigger keeps it in step with
--     users on every insert and update, whichever code path writes them.
--
-- Existing clashes: the account that already held the name keeps it, the
-- other is renamed to "<username>-<id>" (cut to fit 150 characters, with a
-- further "-<n>" if even that is taken). Who keeps what:
--   * usernames equal but for case: the oldest account (lowest id) keeps its
--     username; the later ones are renamed;
--   * a username equal to another account's email: the email's owner keeps
--     it (their email is how they are reached); the username is renamed.
-- A renamed user still logs in with their email. The migration prints a
-- NOTICE for each rename so operators can tell those users.

CREATE FUNCTION "pg_temp"."free_username"(wanted TEXT, user_id INTEGER) RETURNS TEXT AS $$
DECLARE
    candidate TEXT;
    n INTEGER := 0;
BEGIN
    LOOP
        candidate := '-' || user_id || CASE WHEN n = 0 THEN '' ELSE '-' || n END;
        candidate := left(wanted, 150 - length(candidate)) || candidate;
        EXIT WHEN NOT EXISTS (
            SELECT 1 FROM "users" u WHERE lower(u."username") = lower(candidate) OR lower(u."email") = lower(candidate));
        n := n + 1;
    END LOOP;
    RETURN candidate;
END;
$$ LANGUAGE plpgsql;

DO $$
DECLARE
    clash RECORD;
    renamed TEXT;
BEGIN
    FOR clash IN
        SELECT u."id", u."username" FROM "users" u
        WHERE EXISTS (SELECT 1 FROM "users" o WHERE o."id" < u."id" AND lower(o."username") = lower(u."username"))
           OR EXISTS (SELECT 1 FROM "users" o WHERE o."id" <> u."id" AND lower(o."email") = lower(u."username"))
        ORDER BY u."id"
    LOOP
        renamed := "pg_temp"."free_username"(clash."username", clash."id");
        UPDATE "users" SET "username" = renamed WHERE "id" = clash."id";
        RAISE NOTICE 'user % renamed from % to %: the name was another account''s login name', clash."id", clash."username", renamed;
    END LOOP;
END;
$$;

CREATE UNIQUE INDEX "users_username_lower_key" ON "users"(lower("username"));

CREATE TABLE "user_login_names" (
    "name" VARCHAR(254) NOT NULL,
    "user_id" INTEGER NOT NULL,

    CONSTRAINT "user_login_names_pkey" PRIMARY KEY ("name")
);
CREATE INDEX "user_login_names_user_id_idx" ON "user_login_names"("user_id");
ALTER TABLE "user_login_names" ADD CONSTRAINT "user_login_names_user_id_fkey"
    FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- The names of one row: its username, and its email unless that is the same
-- name (an account may use its own email as its username). A name another
-- account holds is a unique violation named for the column that brought it,
-- so the API can say which field clashed.
CREATE FUNCTION "users_claim_login_names"() RETURNS TRIGGER AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF lower(NEW."username") = lower(OLD."username") AND lower(NEW."email") = lower(OLD."email") THEN
            RETURN NULL;
        END IF;
        DELETE FROM "user_login_names" WHERE "user_id" = NEW."id";
    END IF;
    BEGIN
        INSERT INTO "user_login_names" ("name", "user_id") VALUES (lower(NEW."username"), NEW."id");
    EXCEPTION WHEN unique_violation THEN
        RAISE unique_violation USING
            MESSAGE = 'the username is another account''s login name',
            CONSTRAINT = 'users_username_login_name_key', TABLE = 'users', COLUMN = 'username';
    END;
    IF lower(NEW."email") <> lower(NEW."username") THEN
        BEGIN
            INSERT INTO "user_login_names" ("name", "user_id") VALUES (lower(NEW."email"), NEW."id");
        EXCEPTION WHEN unique_violation THEN
            RAISE unique_violation USING
                MESSAGE = 'the email is another account''s login name',
                CONSTRAINT = 'users_email_login_name_key', TABLE = 'users', COLUMN = 'email';
        END;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER "users_claim_login_names"
    AFTER INSERT OR UPDATE OF "username", "email" ON "users"
    FOR EACH ROW EXECUTE FUNCTION "users_claim_login_names"();

INSERT INTO "user_login_names" ("name", "user_id")
    SELECT lower("username"), "id" FROM "users"
    UNION
    SELECT lower("email"), "id" FROM "users";
