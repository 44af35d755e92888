-- Unpaid orders expire: every cancel now says why (the owner, staff, or the
-- server's expiry sweep), and the sweep finds old pending orders through a
-- partial index that holds only pending orders, so it stays small however
-- long the order history grows. Orders cancelled before this migration keep a
-- null reason: who cancelled them was never recorded.
CREATE TYPE "order_cancel_reason" AS ENUM ('customer', 'staff', 'expired');

ALTER TABLE "orders" ADD COLUMN "cancel_reason" "order_cancel_reason";
ALTER TABLE "orders" ADD CONSTRAINT "orders_cancel_reason_only_when_cancelled"
    CHECK ("cancel_reason" IS NULL OR "status" = 'cancelled');

CREATE INDEX "orders_pending_created_at_idx" ON "orders"("created_at", "id") WHERE "status" = 'pending';
