// Sign-in: (:User {username, record}) with the password hash inside the record, and
// (:Token {hash, username, expires_at}) holding only the hash of a session token.

// name: put
MERGE (u:User {username: $username})
SET u.record = $record

// name: get
MATCH (u:User {username: $username})
RETURN u.record AS record

// name: put_token
MERGE (t:Token {hash: $hash})
SET t.username = $username, t.expires_at = $expires_at

// name: token_user
MATCH (t:Token {hash: $hash})
WHERE t.expires_at > $now
MATCH (u:User {username: t.username})
RETURN u.record AS record

// name: delete_token
MATCH (t:Token {hash: $hash})
DELETE t
