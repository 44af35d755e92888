-- The admin site: revocable staff sessions (the cookie holds a random token,
-- the table only its SHA-256), and the log of every change staff make, in the
-- admin and through the staff API alike (Django's LogEntry).
CREATE TABLE "admin_sessions" (
    "id" SERIAL NOT NULL,
    "user_id" INTEGER NOT NULL,
    "token_hash" CHAR(64) NOT NULL,
    "token_version" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "admin_sessions_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "admin_sessions_token_hash_key" ON "admin_sessions"("token_hash");
CREATE INDEX "admin_sessions_user_id_idx" ON "admin_sessions"("user_id");
ALTER TABLE "admin_sessions" ADD CONSTRAINT "admin_sessions_user_id_fkey"
    FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "admin_log_entries" (
    "id" SERIAL NOT NULL,
    "actor_id" INTEGER,
    "actor_username" VARCHAR(150) NOT NULL,
    "action" VARCHAR(20) NOT NULL,
    "object_type" VARCHAR(20) NOT NULL,
    "object_id" INTEGER NOT NULL,
    "object_repr" VARCHAR(200) NOT NULL,
    "changes" JSONB NOT NULL DEFAULT '{}',
    "via" VARCHAR(10) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "admin_log_entries_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "admin_log_entries_object_type_object_id_created_at_idx" ON "admin_log_entries"("object_type", "object_id", "created_at" DESC);
CREATE INDEX "admin_log_entries_created_at_idx" ON "admin_log_entries"("created_at" DESC);
ALTER TABLE "admin_log_entries" ADD CONSTRAINT "admin_log_entries_actor_id_fkey"
    FOREIGN KEY ("actor_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;
