-- Account lists are filtered by type within a subtree and sorted by name.
-- (type, path) answers the filtered count from the index alone; (type, name,
-- id) walks a large subtree's customers already in page order, so a page
-- of the operator's 100 000 accounts reads ~50 rows instead of sorting all.
CREATE INDEX accounts_type_path ON accounts(type, path);
CREATE INDEX accounts_type_name ON accounts(type, name, id);
