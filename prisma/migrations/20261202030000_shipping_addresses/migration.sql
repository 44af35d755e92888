-- Orders ship somewhere. Each customer keeps an address book (at most 20,
-- counted under the user's row lock by the service), and an order keeps a
-- copy of the address it was placed with: later edits of the book, or the
-- account's deletion, never change where an order ships. Orders placed before
-- this migration have no address (null).
CREATE TABLE "addresses" (
    "id" SERIAL NOT NULL,
    "user_id" INTEGER NOT NULL,
    "full_name" VARCHAR(100) NOT NULL,
    "line1" VARCHAR(200) NOT NULL,
    "line2" VARCHAR(200) NOT NULL DEFAULT '',
    "city" VARCHAR(100) NOT NULL,
    "region" VARCHAR(100) NOT NULL DEFAULT '',
    "postal_code" VARCHAR(20) NOT NULL,
    "country" CHAR(2) NOT NULL,
    "phone" VARCHAR(30) NOT NULL DEFAULT '',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "addresses_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "addresses_country_alpha2" CHECK ("country" ~ '^[A-Z]{2}$')
);
CREATE INDEX "addresses_user_id_idx" ON "addresses"("user_id");
ALTER TABLE "addresses" ADD CONSTRAINT "addresses_user_id_fkey"
    FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- The snapshot: the same fields as an address, as the order answers them.
ALTER TABLE "orders" ADD COLUMN "shipping_address" JSONB;
