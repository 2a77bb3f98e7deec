-- Each instance relays the outbox rows it wrote, woken in-process right after its own commit, so
-- rows are tagged with their writer (mesh.instance). NOTIFY woke every instance's relay for every
-- commit, and they all raced for the same rows: on two cores the workers spent a third of a core
-- relaying the API's tasks during a spike. Rows a writer leaves (it died, or it falls behind) are
-- taken by any instance's sweep once they are older than mesh.task.outbox.orphan-after.
ALTER TABLE outbox ADD COLUMN origin text;
CREATE INDEX outbox_origin ON outbox (origin, id);
DROP TRIGGER outbox_inserted ON outbox;
DROP FUNCTION outbox_notify();
