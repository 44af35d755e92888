-- Fulfilment on the admin order page: where the parcel went (tracking number
-- and carrier, null until staff enter them) and a staff note that only staff
-- read, bounded here so no form or API can store a novel.
--
-- And who bought it, copied when the order is placed (checkout.queries.ts), as
-- the shipping address is: deleting the account sets user_id to null, and a
-- paid order still has to ship and its customer still has to be reachable.
-- customer_name is the account's username (users have no other name); both
-- are null for an order whose account was gone before this migration ran.
--
-- Adding the columns rewrites nothing (a constant default); the backfill
-- rewrites each order that still has an account once, without touching
-- updated_at: copying the contact is not a change staff made to the order.
ALTER TABLE "orders"
    ADD COLUMN "tracking_number" VARCHAR(100),
    ADD COLUMN "carrier" VARCHAR(50),
    ADD COLUMN "staff_note" TEXT NOT NULL DEFAULT '',
    ADD COLUMN "customer_email" VARCHAR(254),
    ADD COLUMN "customer_name" VARCHAR(150),
    ADD CONSTRAINT "orders_staff_note_length" CHECK (char_length("staff_note") <= 2000);

UPDATE "orders" o
SET "customer_email" = u."email", "customer_name" = u."username"
FROM "users" u
WHERE u."id" = o."user_id";
