// The sign-in throttle's counters, shared by every service process: (:ThrottleCount {key, count,
// last_at}), one per key (a hash of a user name, a client address or both). Times are ISO text.

// name: counts
MATCH (c:ThrottleCount)
WHERE c.key IN $keys AND c.last_at > $since
RETURN c.key AS key, c.count AS count, c.last_at AS last_at

// name: forget
// Counters last counted at or before $since are forgotten (a key then counts from one again).
MATCH (c:ThrottleCount)
WHERE c.last_at <= $since
DELETE c

// name: count
UNWIND $keys AS key
MERGE (c:ThrottleCount {key: key})
SET c.count = coalesce(c.count, 0) + 1, c.last_at = $at

// name: clear
MATCH (c:ThrottleCount {key: $key})
DELETE c
