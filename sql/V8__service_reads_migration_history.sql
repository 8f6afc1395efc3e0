-- A service login that is only a member of coordinator_service (docs/running.md, Roles) runs
-- `serve`, which first has Flyway check that the schema is current: it may read the history and
-- nothing more (a pending migration then fails the start, as it should: migrate as the owner).
GRANT SELECT ON flyway_schema_history TO coordinator_service;
