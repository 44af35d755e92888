-- The shop's mail, as an outbox: a row is written in the same transaction as
-- the change it reports (a rolled-back order writes none), and a background
-- worker delivers it over SMTP. A worker claims a row by pushing
-- next_attempt_at past a lease (FOR UPDATE SKIP LOCKED, one short statement),
-- sends outside any transaction, then marks it sent with the claim's token.
-- A worker that dies mid-send leaves the row to be claimed again once its
-- lease ends: a mail is retried, never lost.
--
-- `data` holds what the template needs, as it was when the row was written
-- (the order's lines, say), never a secret: a password reset's token is made
-- at send time from the user's current hash, so the table never holds it.
CREATE TYPE "mail_status" AS ENUM ('queued', 'sent', 'failed', 'discarded');

CREATE TABLE "mail_outbox" (
    "id" SERIAL NOT NULL,
    "template" VARCHAR(40) NOT NULL,
    "to_address" VARCHAR(254) NOT NULL,
    "user_id" INTEGER,
    "order_id" INTEGER,
    "data" JSONB NOT NULL DEFAULT '{}',
    "status" "mail_status" NOT NULL DEFAULT 'queued',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "claim_token" UUID,
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sent_at" TIMESTAMPTZ(3),

    CONSTRAINT "mail_outbox_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "mail_outbox_attempts_check" CHECK ("attempts" >= 0),
    CONSTRAINT "mail_outbox_sent_at_check" CHECK (("status" = 'sent') = ("sent_at" IS NOT NULL))
);

-- The worker's claim reads only queued rows, in the order they are due.
CREATE INDEX "mail_outbox_due_idx" ON "mail_outbox"("next_attempt_at", "id") WHERE "status" = 'queued';
-- The admin's list, newest first, filtered by status.
CREATE INDEX "mail_outbox_status_id_idx" ON "mail_outbox"("status", "id" DESC);
CREATE INDEX "mail_outbox_user_id_idx" ON "mail_outbox"("user_id");
CREATE INDEX "mail_outbox_order_id_idx" ON "mail_outbox"("order_id");

-- A mail outlives the account or order it is about (it is history, like the
-- change log): the references go null.
ALTER TABLE "mail_outbox" ADD CONSTRAINT "mail_outbox_user_id_fkey"
    FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "mail_outbox" ADD CONSTRAINT "mail_outbox_order_id_fkey"
    FOREIGN KEY ("order_id") REFERENCES "orders"("id") ON DELETE SET NULL ON UPDATE CASCADE;
