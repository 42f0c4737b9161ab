// The (:Meta {name: 'graph'}) node: the revision counter readers cache on, the last audit
// sequence number, and the lock that serialises writers.

// name: init
// Run when a store opens; a no-op when the node exists.
MERGE (m:Meta {name: 'graph'})
  ON CREATE SET m.revision = 0, m.audit_seq = 0

// name: lock
// First statement of every write transaction. Writing to the node takes its write lock until
// the transaction ends (Neo4j), or makes concurrent writers conflict and retry (ArcadeDB), so
// version checks and audit sequence numbers always see every committed write. Returns the last
// audit sequence number, from which the transaction numbers its own audit entries, and the
// revision, one more than which its audit entries of entries carry (the change feed).
MATCH (m:Meta {name: 'graph'})
SET m._lock = true
REMOVE m._lock
RETURN m.audit_seq AS audit_seq, m.revision AS revision

// name: commit
// Last statement of every write transaction: the last audit sequence number it used, and one
// more revision if it changed the graph ($revisions 1), so that readers rebuild their views.
MATCH (m:Meta {name: 'graph'})
SET m.audit_seq = $audit_seq, m.revision = m.revision + $revisions

// name: revision
MATCH (m:Meta {name: 'graph'})
RETURN m.revision AS revision

// name: audit_seq
MATCH (m:Meta {name: 'graph'})
RETURN m.audit_seq AS audit_seq
