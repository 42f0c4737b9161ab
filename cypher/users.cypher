// Sign-in: (:User {username, record}) with the password hash inside the record, and
// (:Token {hash, username, purpose, expires_at}) holding only the hash of a credential: a bearer
// token of the API (purpose 'api') or a page session (purpose 'web').

// name: put
MERGE (u:User {username: $username})
SET u.record = $record

// name: get
MATCH (u:User {username: $username})
RETURN u.record AS record

// name: all
MATCH (u:User)
RETURN u.record AS record
ORDER BY u.username

// name: delete
// Returns the number of users removed (0 or 1); the adapter revokes its credentials first.
OPTIONAL MATCH (u:User {username: $username})
DELETE u
RETURN count(u) AS removed

// name: put_token
MERGE (t:Token {hash: $hash})
SET t.username = $username, t.purpose = $purpose, t.expires_at = $expires_at

// name: token_user
MATCH (t:Token {hash: $hash})
WHERE t.purpose = $purpose AND t.expires_at > $now
MATCH (u:User {username: t.username})
RETURN u.record AS record

// name: delete_token
MATCH (t:Token {hash: $hash})
DELETE t

// name: revoke
// Every credential of a user; returns how many there were.
OPTIONAL MATCH (t:Token {username: $username})
DELETE t
RETURN count(t) AS revoked
