// Failed sign-ins per throttle key (a hash of a user name or a client address), shared by every
// service process: (:SignInFailure {key, failures, last_at}). Times are ISO text, comparable.

// name: failures
MATCH (f:SignInFailure)
WHERE f.key IN $keys AND f.last_at > $since
RETURN f.key AS key, f.failures AS failures, f.last_at AS last_at

// name: forget
// Failures whose last one is not after $since are forgotten (a key then counts from one again).
MATCH (f:SignInFailure)
WHERE f.last_at <= $since
DELETE f

// name: count
UNWIND $keys AS key
MERGE (f:SignInFailure {key: key})
SET f.failures = coalesce(f.failures, 0) + 1, f.last_at = $at

// name: clear
MATCH (f:SignInFailure {key: $key})
DELETE f
