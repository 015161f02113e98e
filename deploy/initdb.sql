-- One database per process: each service owns its data and reads no other's tables.
-- The postgres image runs this once, as POSTGRES_USER, when its data volume is first initialised;
-- `zhenxing migrate` (the compose `migrate` service) then brings each database to its schema.
CREATE DATABASE gateway;
CREATE DATABASE registry;
CREATE DATABASE assessment;
CREATE DATABASE assets;
