-- The outbox is a queue: every row is inserted and deleted within moments, thousands a second.
-- With the default thresholds (20% of a table that is nearly empty, cost-throttled) autovacuum
-- came about once a minute and crawled: after a 150 s accept warm-up the outbox held 8,000 live
-- rows in 375 MB, and every relay round walked dead index entries. Vacuum it after every 10,000
-- dead rows, unthrottled (it is small when vacuumed often). The server's autovacuum_naptime
-- bounds how often any table is looked at (the devstack and the Helm chart set 10 s).
ALTER TABLE outbox SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 10000,
    autovacuum_vacuum_cost_delay = 0, autovacuum_vacuum_insert_scale_factor = 0,
    autovacuum_vacuum_insert_threshold = 10000);
