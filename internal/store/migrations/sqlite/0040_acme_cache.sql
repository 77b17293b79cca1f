-- ACME certificates shared by every api node (issue 14, docs/BRANDING.md):
-- what autocert caches (certificates with their keys, the ACME account key,
-- TLS-ALPN challenge certificates), each value sealed with the
-- installation's secret.key, so a database dump alone gives no private key.
CREATE TABLE acme_cache (
    name       TEXT PRIMARY KEY,
    data       TEXT NOT NULL,
    updated_ms BIGINT NOT NULL
);

-- One order at a time per domain across the cluster: the node holding an
-- unexpired claim orders the certificate; the others wait for it to appear
-- in acme_cache. A claim whose node died lapses at expires_ms.
CREATE TABLE acme_orders (
    domain     TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_ms BIGINT NOT NULL
);
