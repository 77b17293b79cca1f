-- Assignment history (issue 13, docs/BILLING.md): the spans during which a
-- camera was billable — assigned to a customer, on a plan, switched on.
-- A move, a plan change or a switch-off closes the open span (to_ms) and
-- opens the next, so fixed-plan charges follow each span exactly. No
-- foreign keys: the history outlives deleted cameras (their last month is
-- still billed); rows of deleted accounts drop out of every subtree.
CREATE TABLE camera_assignments (
    id          INTEGER PRIMARY KEY,
    camera_id   BIGINT NOT NULL,
    customer_id BIGINT NOT NULL,
    plan_id     BIGINT NOT NULL,
    from_ms     BIGINT NOT NULL,
    to_ms       BIGINT
);
CREATE INDEX camera_assignments_customer ON camera_assignments(customer_id, from_ms);
CREATE UNIQUE INDEX camera_assignments_open ON camera_assignments(camera_id) WHERE to_ms IS NULL;
-- Cameras billable when the history starts are billable since they were created.
INSERT INTO camera_assignments (camera_id, customer_id, plan_id, from_ms)
    SELECT id, customer_id, plan_id, created_at FROM cameras
    WHERE customer_id IS NOT NULL AND plan_id IS NOT NULL AND enabled;
