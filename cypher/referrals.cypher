// Referrals: their own area of the graph, not annuaire entries (no :Entry label, not counted in
// the revision). One node per referral, labelled at creation and never relabelled:
//   (:Referral {code, version, status, from_service_id, to_service_id, from_organization_id,
//               to_organization_id, from_province, to_province, link_id, reason, sent_at,
//               received_at, responded_at, deadline, record})
// `record` is the whole referral as JSON (its history included); the other properties are what
// queries filter, sort and count on. It is linked to the services it goes between:
//   (:Referral)-[:SENT_FROM]->(:Service), (:Referral)-[:SENT_TO]->(:Service)
// so the circuit's traffic reads in Neo4j Browser as
//   MATCH (a:Service)<-[:SENT_FROM]-(r:Referral)-[:SENT_TO]->(b:Service) RETURN a, r, b
// Retired referrals leave (:ReferralTally {key, from_service_id, to_service_id, from_province,
// to_province, status, reason, received, count}) counts behind ('' for an absent value).

// name: get
MATCH (r:Referral {code: $code})
RETURN r.record AS record

// name: create
// A new referral node, linked to its two services.
CREATE (r:Referral)
SET r = $node
WITH r
MATCH (a:Entry {id: $node.from_service_id})
MATCH (b:Entry {id: $node.to_service_id})
CREATE (r)-[:SENT_FROM]->(a)
CREATE (r)-[:SENT_TO]->(b)

// name: replace
// A referral's new state (its services never change).
MATCH (r:Referral {code: $node.code})
SET r = $node

// name: list
// The referrals a ReferralQuery selects (graph_service.store.common.query_parameters), newest
// first.
MATCH (r:Referral)
WHERE ($organization_id IS NULL
       OR ($from_side AND r.from_organization_id = $organization_id)
       OR ($to_side AND r.to_organization_id = $organization_id))
  AND ($province_code IS NULL
       OR ($from_side AND r.from_province = $province_code)
       OR ($to_side AND r.to_province = $province_code))
  AND (size($statuses) = 0 OR r.status IN $statuses)
  AND ($due_before IS NULL OR (r.status IN $open AND r.deadline < $due_before))
RETURN r.record AS record
ORDER BY r.sent_at DESC, r.code

// name: facts
// What indicators read, of every referral or of a province's (either side), in the order of
// graph_service.domain.referral.ReferralFact's fields.
MATCH (r:Referral)
WHERE $province IS NULL OR r.from_province = $province OR r.to_province = $province
RETURN r.from_service_id AS from_service_id, r.to_service_id AS to_service_id,
       r.status AS status, r.reason AS reason, r.sent_at AS sent_at,
       r.responded_at AS responded_at, r.received_at AS received_at

// name: sent_before
// The referrals retention retires.
MATCH (r:Referral)
WHERE r.sent_at < $before
RETURN r.record AS record

// name: delete_sent_before
MATCH (r:Referral)
WHERE r.sent_at < $before
DETACH DELETE r

// name: tally
// Adds retired referrals to their counts; $rows carry every key property and `count`.
UNWIND $rows AS row
MERGE (t:ReferralTally {key: row.key})
  ON CREATE SET t = row
  ON MATCH SET t.count = t.count + row.count

// name: tallies
MATCH (t:ReferralTally)
WHERE $province IS NULL OR t.from_province = $province OR t.to_province = $province
RETURN t.from_service_id AS from_service_id, t.to_service_id AS to_service_id,
       t.from_province AS from_province, t.to_province AS to_province, t.status AS status,
       t.reason AS reason, t.received AS received, t.count AS count
ORDER BY t.key
