// Statements the test suite runs, never the service.

// name: wipe
// Empties the database of NEO4J_URI before each contract test (a real Neo4j Community server has
// one database, so tests cannot each get a fresh one as they do on the Bolt test server).
MATCH (n)
DETACH DELETE n

// name: labels
// Every entry's labels, to check the model as Neo4j Browser shows it.
MATCH (n:Entry)
RETURN n.id AS id, labels(n) AS labels
ORDER BY id

// name: relationships
// Every relationship leaving an entry: references (with their field) and sites in communes.
MATCH (a:Entry)-[r]->(b)
RETURN a.id AS src, type(r) AS type, r.field AS field, coalesce(b.id, b.code) AS dst
ORDER BY src, type, dst
