-- Brewlytics OLTP, version 7: a product's name is a label, its id its identity.
-- POST /products/new creates a product whatever its name, as the original API
-- did (and as Stripe, Shopify and Square do): two "Large Latte"s are two
-- products, told apart by id. The seed keeps its own rows once each by
-- checking (name, size) itself, under its table lock; this index serves that
-- check and lookups by name without forbidding repeats.
ALTER TABLE products DROP CONSTRAINT products_name_size_key;
CREATE INDEX products_name_size_idx ON products (name, size);
