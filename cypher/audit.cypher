// The audit trail: one (:Audit {seq, at, actor, action, entity_kind, entity_id, before, after,
// revision}) node per event, numbered in order; before/after are JSON records (absent when null),
// revision the one a write to entries made (the change feed).

// name: append
// Audit entries numbered by the writing transaction (after meta:lock's audit_seq).
UNWIND $rows AS row
CREATE (a:Audit)
SET a = row

// name: trail
MATCH (a:Audit)
WHERE a.seq > $after
RETURN a.seq AS seq, a.at AS at, a.actor AS actor, a.action AS action,
       a.entity_kind AS entity_kind, a.entity_id AS entity_id, a.before AS before, a.after AS after
ORDER BY a.seq
LIMIT $limit

// name: trail_of
MATCH (a:Audit {entity_id: $entity_id})
WHERE a.seq > $after
RETURN a.seq AS seq, a.at AS at, a.actor AS actor, a.action AS action,
       a.entity_kind AS entity_kind, a.entity_id AS entity_id, a.before AS before, a.after AS after
ORDER BY a.seq
LIMIT $limit

// name: changes
// The change feed: writes to entries numbered after $after and up to $upto, in order. Each
// number is looked up in the unique index on seq: with a range condition on seq (a.seq > $after)
// ArcadeDB scans every audit entry, seconds at national scale for the one edit a refresh reads.
UNWIND range($after + 1, $upto) AS s
MATCH (a:Audit {seq: s})
WHERE a.action IN $actions
RETURN a.seq AS seq, a.revision AS revision, a.entity_kind AS kind, a.entity_id AS id,
       a.after AS after
ORDER BY a.seq
