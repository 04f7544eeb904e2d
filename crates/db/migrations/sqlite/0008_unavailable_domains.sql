-- Servers whose deliveries keep failing. After days of failure a domain is parked:
-- deliveries to it stop until it is heard from again.
CREATE TABLE unavailable_domains (
    domain TEXT PRIMARY KEY,
    failing_since INTEGER NOT NULL,
    last_failure INTEGER NOT NULL
);
