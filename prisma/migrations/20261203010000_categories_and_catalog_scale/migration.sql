-- Categories, and a catalog whose reads cost the same at a million products.
--
-- Categories form a tree through parent_id. The database keeps it a tree:
-- a category is never its own ancestor (the trigger below walks the new
-- parent's ancestors under one advisory lock, so two moves at once cannot
-- make a cycle between them), and a category still holding products or
-- children cannot be deleted (the foreign keys RESTRICT: the API's 409).
CREATE TABLE "categories" (
    "id" SERIAL NOT NULL,
    "name" VARCHAR(100) NOT NULL,
    "slug" VARCHAR(100) NOT NULL,
    "parent_id" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "categories_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "categories_slug_format" CHECK ("slug" ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    CONSTRAINT "categories_name_not_blank" CHECK (btrim("name") <> ''),
    CONSTRAINT "categories_not_own_parent" CHECK ("parent_id" <> "id")
);
CREATE UNIQUE INDEX "categories_slug_key" ON "categories"("slug");
CREATE INDEX "categories_parent_id_idx" ON "categories"("parent_id");
CREATE INDEX "categories_name_id_idx" ON "categories"("name", "id");
ALTER TABLE "categories" ADD CONSTRAINT "categories_parent_id_fkey"
    FOREIGN KEY ("parent_id") REFERENCES "categories"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

CREATE FUNCTION categories_refuse_cycle() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.parent_id IS NULL THEN
    RETURN NEW;
  END IF;
  -- One tree, one lock: moves queue here, and each sees the ones before it.
  PERFORM pg_advisory_xact_lock(hashtext('categories_tree'));
  IF EXISTS (
    WITH RECURSIVE ancestors(id, parent_id) AS (
      SELECT c.id, c.parent_id FROM categories c WHERE c.id = NEW.parent_id
      UNION
      SELECT c.id, c.parent_id FROM categories c JOIN ancestors a ON c.id = a.parent_id
    )
    SELECT 1 FROM ancestors WHERE id = NEW.id
  ) THEN
    RAISE EXCEPTION 'category % cannot be placed under its own descendant %', NEW.id, NEW.parent_id
      USING ERRCODE = 'check_violation', CONSTRAINT = 'categories_no_cycle';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER "categories_refuse_cycle" BEFORE INSERT OR UPDATE OF "parent_id" ON "categories"
    FOR EACH ROW EXECUTE FUNCTION categories_refuse_cycle();

ALTER TABLE "products" ADD COLUMN "category_id" INTEGER;
ALTER TABLE "products" ADD CONSTRAINT "products_category_id_fkey"
    FOREIGN KEY ("category_id") REFERENCES "categories"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
-- A category's page, newest first, straight from the index.
CREATE INDEX "products_category_id_created_at_id_idx" ON "products"("category_id", "created_at", "id");

-- Exact counts that do not grow with the catalog: products per category
-- (bucket 0: none), kept by the triggers below in the transaction of each
-- write. The list's count without a filter is their sum; a category's, the
-- sum over its subtree. Bulk writes update each bucket once (statement
-- triggers), in bucket order, so two writers cannot deadlock on them.
CREATE TABLE "product_counts" (
    "bucket" INTEGER NOT NULL,
    "products" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "product_counts_pkey" PRIMARY KEY ("bucket")
);

CREATE FUNCTION product_counts_add(deltas jsonb) RETURNS void LANGUAGE sql AS $$
  INSERT INTO product_counts (bucket, products)
  SELECT (d.key)::int, (d.value)::bigint FROM jsonb_each_text(deltas) d ORDER BY (d.key)::int
  ON CONFLICT (bucket) DO UPDATE SET products = product_counts.products + EXCLUDED.products;
$$;

CREATE FUNCTION product_counts_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM product_counts_add((SELECT jsonb_object_agg(b, n) FROM (SELECT coalesce(category_id, 0) AS b, count(*) AS n FROM new_rows GROUP BY 1) s));
  RETURN NULL;
END $$;
CREATE FUNCTION product_counts_after_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM product_counts_add((SELECT jsonb_object_agg(b, -n) FROM (SELECT coalesce(category_id, 0) AS b, count(*) AS n FROM old_rows GROUP BY 1) s));
  RETURN NULL;
END $$;
CREATE FUNCTION product_counts_after_move() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM product_counts_add(jsonb_build_object(coalesce(OLD.category_id, 0)::text, -1) || jsonb_build_object(coalesce(NEW.category_id, 0)::text, 1));
  RETURN NULL;
END $$;
CREATE TRIGGER "product_counts_after_insert" AFTER INSERT ON "products"
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION product_counts_after_insert();
CREATE TRIGGER "product_counts_after_delete" AFTER DELETE ON "products"
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION product_counts_after_delete();
-- Row-level with a WHEN: the stock updates of every checkout never call it.
CREATE TRIGGER "product_counts_after_move" AFTER UPDATE OF "category_id" ON "products"
    FOR EACH ROW WHEN (OLD.category_id IS DISTINCT FROM NEW.category_id) EXECUTE FUNCTION product_counts_after_move();
-- TRUNCATE skips row triggers: start the counts again with the table.
CREATE FUNCTION product_counts_after_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM product_counts;
  RETURN NULL;
END $$;
CREATE TRIGGER "product_counts_after_truncate" AFTER TRUNCATE ON "products"
    FOR EACH STATEMENT EXECUTE FUNCTION product_counts_after_truncate();

INSERT INTO product_counts (bucket, products) SELECT 0, count(*) FROM products HAVING count(*) > 0;

-- Search by words: a trigram match of a common word had to re-read every
-- matching row's description to confirm it (397 ms for a word in 3% of a
-- million products); a full-text match is exact from the index. Name words
-- weigh more than description words. 'simple': no stemming, since product
-- names are not English sentences, and a term matches words it begins
-- ("kett" finds "Kettle").
ALTER TABLE "products" ADD COLUMN "search_vector" tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple', "name"), 'A') || setweight(to_tsvector('simple', "description"), 'B')
) STORED;
CREATE INDEX "products_search_vector_idx" ON "products" USING GIN ("search_vector");
DROP INDEX "products_name_trgm_idx";
DROP INDEX "products_description_trgm_idx";

-- The words of each product (the lexemes of its search_vector), as a btree:
-- a search's count. The GIN index finds matches at once, but counting them
-- still visits every matching row's page (30,303 pages, 140-180 ms, for a
-- word in 3% of a million products); counting the word's range of this
-- index reads index pages only. Kept by triggers with the products.
CREATE TABLE "product_words" (
    "word" TEXT COLLATE "C" NOT NULL,
    "product_id" INTEGER NOT NULL,

    CONSTRAINT "product_words_pkey" PRIMARY KEY ("word", "product_id")
);
CREATE INDEX "product_words_product_id_idx" ON "product_words"("product_id");
ALTER TABLE "product_words" ADD CONSTRAINT "product_words_product_id_fkey"
    FOREIGN KEY ("product_id") REFERENCES "products"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE FUNCTION product_words_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO product_words (word, product_id)
  SELECT w.lexeme, n.id FROM new_rows n CROSS JOIN LATERAL unnest(n.search_vector) AS w;
  RETURN NULL;
END $$;
CREATE FUNCTION product_words_after_rename() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM product_words WHERE product_id = NEW.id;
  INSERT INTO product_words (word, product_id) SELECT w.lexeme, NEW.id FROM unnest(NEW.search_vector) AS w;
  RETURN NULL;
END $$;
CREATE TRIGGER "product_words_after_insert" AFTER INSERT ON "products"
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION product_words_after_insert();
CREATE TRIGGER "product_words_after_rename" AFTER UPDATE OF "name", "description" ON "products"
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.description IS DISTINCT FROM NEW.description)
    EXECUTE FUNCTION product_words_after_rename();
INSERT INTO product_words (word, product_id) SELECT w.lexeme, p.id FROM products p CROSS JOIN LATERAL unnest(p.search_vector) AS w;

-- Newest first and by name, each with the id tie-breaker, so a page (even a
-- deep one, through its ids alone) is read from an index.
CREATE INDEX "products_name_id_idx" ON "products"("name", "id");

-- The admin dashboard at a million rows: low stock counted from (stock, id),
-- orders per status (and a status's list, newest first) from (status, created_at, id).
CREATE INDEX "products_stock_id_idx" ON "products"("stock", "id");
CREATE INDEX "orders_status_created_at_id_idx" ON "orders"("status", "created_at", "id");
-- Every order newest first with its id, so a page's ids come from the index alone.
CREATE INDEX "orders_created_at_id_idx" ON "orders"("created_at", "id");
