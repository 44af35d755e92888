-- Card payments through Stripe. The database holds the invariants the
-- payment flow relies on, so that retries, redeliveries and several server
-- processes cannot double anything:
--   * payments: one per order (order_id unique), one per PaymentIntent
--     (payment_intent_id unique);
--   * payment_events: each Stripe event id once, recorded in the same
--     transaction as the change it causes, so a redelivery changes nothing;
--   * refunds: one per payment (refunds are always in full), written as
--     "pending" before Stripe is called and settled after, so a refund that
--     was asked for is never forgotten and never asked for twice.
CREATE TABLE "payments" (
    "id" SERIAL NOT NULL,
    "order_id" INTEGER NOT NULL,
    "provider" VARCHAR(20) NOT NULL DEFAULT 'stripe',
    "payment_intent_id" VARCHAR(255) NOT NULL,
    "client_secret" VARCHAR(255) NOT NULL,
    "amount" DECIMAL(10,2) NOT NULL,
    "currency" VARCHAR(3) NOT NULL,
    "status" VARCHAR(32) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "payments_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "payments_order_id_key" ON "payments"("order_id");
CREATE UNIQUE INDEX "payments_payment_intent_id_key" ON "payments"("payment_intent_id");
CREATE INDEX "payments_status_idx" ON "payments"("status");
ALTER TABLE "payments" ADD CONSTRAINT "payments_order_id_fkey"
    FOREIGN KEY ("order_id") REFERENCES "orders"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

CREATE TABLE "payment_events" (
    "id" SERIAL NOT NULL,
    "stripe_event_id" VARCHAR(255) NOT NULL,
    "type" VARCHAR(100) NOT NULL,
    "payment_id" INTEGER,
    "outcome" VARCHAR(32) NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "payment_events_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "payment_events_stripe_event_id_key" ON "payment_events"("stripe_event_id");
CREATE INDEX "payment_events_payment_id_idx" ON "payment_events"("payment_id");
ALTER TABLE "payment_events" ADD CONSTRAINT "payment_events_payment_id_fkey"
    FOREIGN KEY ("payment_id") REFERENCES "payments"("id") ON DELETE SET NULL ON UPDATE CASCADE;

CREATE TYPE "refund_status" AS ENUM ('pending', 'succeeded', 'failed');

CREATE TABLE "refunds" (
    "id" SERIAL NOT NULL,
    "payment_id" INTEGER NOT NULL,
    "stripe_refund_id" VARCHAR(255),
    "amount" DECIMAL(10,2) NOT NULL,
    "status" "refund_status" NOT NULL DEFAULT 'pending',
    "reason" VARCHAR(32) NOT NULL,
    "failure" TEXT,
    -- Asked for again after a refusal: Stripe replays a refused key's answer,
    -- so each new attempt has a key of its own (order-<id>-refund, then -1, -2...).
    "attempt" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "refunds_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "refunds_payment_id_key" ON "refunds"("payment_id");
CREATE UNIQUE INDEX "refunds_stripe_refund_id_key" ON "refunds"("stripe_refund_id");
CREATE INDEX "refunds_pending_idx" ON "refunds"("created_at") WHERE "status" = 'pending';
ALTER TABLE "refunds" ADD CONSTRAINT "refunds_payment_id_fkey"
    FOREIGN KEY ("payment_id") REFERENCES "payments"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
