-- Row estimates for one device's history. The planner takes `tenant = $1 AND device_id = $2` as
-- independent conditions and multiplies their selectivities, but a device id names a device of
-- one tenant: with T tenants of similar size, every device's rows were estimated T times too
-- few. A lastN beyond that estimate looked like "every row of the attr", and the planner then
-- read them all with a bitmap scan and sorted them instead of walking the primary key backwards
-- (lastN=50000 of an attr with 95,300 rows, 4 tenants: 437 → 134 ms of SQL; docs/benchmarks.md,
-- `npm run bench -- lastn`). Statistics on the dependency device_id → tenant give the real
-- count. They cost nothing per insert; every ANALYZE (auto or this one) renews them.
CREATE STATISTICS device_history_device_tenant (dependencies) ON tenant, device_id FROM device_history;
ANALYZE device_history;
