// Annuaire entries. Each is one node labelled :Entry plus its kind's label, decided when the node
// is created and never changed (ArcadeDB gives a node a new elementId when its labels change):
//   (:Entry:Organization|Site|Service|Contact|ReferralLink|Membership
//    {id, kind, version, last_modified, name, record})
// `record` is the whole entry as JSON; the other properties are what queries filter and sort on.
// Every reference field is also a relationship from the entry to the entry it names, typed for
// reading the graph in Neo4j Browser and carrying the field name (`field`) the store queries by.

// name: fetch
// Entries with these ids, whatever their kind (the caller keeps the kind it asked for).
UNWIND $ids AS id
MATCH (n:Entry {id: id})
RETURN n.kind AS kind, n.record AS record

// name: list
// One page of a kind, by id after $after ('' for the first page).
MATCH (n:Entry)
WHERE n.kind = $kind AND n.id > $after
RETURN n.id AS id, n.record AS record
ORDER BY n.id
LIMIT $limit

// name: all
// Every entry of a kind after $after, in no particular order (the caller sorts them). A page of
// entries:list costs a sort of the whole kind however small the page (ArcadeDB finds the kind
// in its index, then sorts every entry of it by id before taking the page), so reading a kind
// page by page costs its size times the number of pages; this reads it once, streamed.
MATCH (n:Entry)
WHERE n.kind = $kind AND n.id > $after
RETURN n.id AS id, n.record AS record

// name: list_where
// One page of a kind whose reference $anchor.field names $anchor.id, and every reference of
// $more ({field, id} maps) too.
MATCH (target:Entry {id: $anchor.id})<-[r]-(n:Entry)
WHERE r.field = $anchor.field AND n.kind = $kind AND n.id > $after
  AND all(w IN $more WHERE size([(n)-[m]->(t:Entry) WHERE m.field = w.field AND t.id = w.id | t]) > 0)
RETURN n.id AS id, n.record AS record
ORDER BY n.id
LIMIT $limit

// name: counts
// Entries per kind label, territories per level.
MATCH (n:Organization) RETURN 'organization' AS key, count(n) AS count
UNION ALL MATCH (n:Site) RETURN 'site' AS key, count(n) AS count
UNION ALL MATCH (n:Service) RETURN 'service' AS key, count(n) AS count
UNION ALL MATCH (n:Contact) RETURN 'contact' AS key, count(n) AS count
UNION ALL MATCH (n:ReferralLink) RETURN 'referral_link' AS key, count(n) AS count
UNION ALL MATCH (n:Membership) RETURN 'membership' AS key, count(n) AS count
UNION ALL MATCH (t:Territory) RETURN t.level AS key, count(t) AS count

// name: create
// New entries; $rows are their nodes {id, kind, version, last_modified, name, record}. The
// store writes their audit entries with audit:append.
UNWIND $rows AS row
FOREACH (x IN CASE row.kind WHEN 'organization' THEN [1] ELSE [] END |
  CREATE (n:Entry:Organization) SET n = row)
FOREACH (x IN CASE row.kind WHEN 'site' THEN [1] ELSE [] END |
  CREATE (n:Entry:Site) SET n = row)
FOREACH (x IN CASE row.kind WHEN 'service' THEN [1] ELSE [] END |
  CREATE (n:Entry:Service) SET n = row)
FOREACH (x IN CASE row.kind WHEN 'contact' THEN [1] ELSE [] END |
  CREATE (n:Entry:Contact) SET n = row)
FOREACH (x IN CASE row.kind WHEN 'referral_link' THEN [1] ELSE [] END |
  CREATE (n:Entry:ReferralLink) SET n = row)
FOREACH (x IN CASE row.kind WHEN 'membership' THEN [1] ELSE [] END |
  CREATE (n:Entry:Membership) SET n = row)

// name: replace
// Existing entries take their new content ($rows as for entries:create; kind and id unchanged).
UNWIND $rows AS row
MATCH (n:Entry {id: row.id})
SET n = row

// name: unlink
// Drops every relationship leaving these entries, before entries:link writes them again.
UNWIND $ids AS id
MATCH (:Entry {id: id})-[r]->()
DELETE r

// name: link
// One relationship per reference; $rows are {src, refs: [{field, kind, dst}, ...]} (no duplicate
// refs). Returns the references whose target is not an entry of the expected kind: none is
// created and the caller refuses the write, which rolls the whole transaction back.
UNWIND $rows AS row
MATCH (a:Entry {id: row.src})
UNWIND row.refs AS ref
OPTIONAL MATCH (b:Entry {id: ref.dst})
WHERE b.kind = ref.kind
WITH a, b, ref, CASE WHEN b IS NULL THEN '' ELSE a.kind + '.' + ref.field END AS key
FOREACH (x IN CASE key WHEN 'organization.parent_id' THEN [1] ELSE [] END |
  CREATE (a)-[:PART_OF {field: ref.field}]->(b))
FOREACH (x IN CASE key WHEN 'site.organization_id' THEN [1] ELSE [] END |
  CREATE (a)-[:SITE_OF {field: ref.field}]->(b))
FOREACH (x IN CASE key WHEN 'service.organization_id' THEN [1] ELSE [] END |
  CREATE (a)-[:OFFERED_BY {field: ref.field}]->(b))
FOREACH (x IN CASE key WHEN 'service.site_ids' THEN [1] ELSE [] END |
  CREATE (a)-[:AT {field: ref.field}]->(b))
FOREACH (x IN CASE key WHEN 'contact.organization_id' THEN [1] ELSE [] END |
  CREATE (a)-[:CONTACT_OF {field: ref.field}]->(b))
FOREACH (x IN CASE key WHEN 'contact.service_id' THEN [1] ELSE [] END |
  CREATE (a)-[:CONTACT_FOR {field: ref.field}]->(b))
FOREACH (x IN CASE key WHEN 'referral_link.from_service_id' THEN [1] ELSE [] END |
  CREATE (a)-[:FROM {field: ref.field}]->(b))
FOREACH (x IN CASE key WHEN 'referral_link.to_service_id' THEN [1] ELSE [] END |
  CREATE (a)-[:TO {field: ref.field}]->(b))
FOREACH (x IN CASE key WHEN 'membership.organization_id' THEN [1] ELSE [] END |
  CREATE (a)-[:MEMBER {field: ref.field}]->(b))
FOREACH (x IN CASE key WHEN 'membership.body_id' THEN [1] ELSE [] END |
  CREATE (a)-[:OF_BODY {field: ref.field}]->(b))
WITH ref, b
WHERE b IS NULL
RETURN ref.kind AS kind, ref.dst AS dst

// name: locate
// Sites in their commune, (:Site)-[:IN]->(:Territory), for reading the graph (not a checked
// reference: a commune missing from the territories leaves the site unlinked).
UNWIND $rows AS row
MATCH (s:Entry {id: row.id})
MATCH (t:Territory {code: row.commune_code})
CREATE (s)-[:IN]->(t)

// name: referrers
// Who still points at an entry: what makes its deletion refused.
MATCH (:Entry {id: $id})<-[r]-(src:Entry)
RETURN src.id AS src, r.field AS field
ORDER BY src, field

// name: delete
MATCH (n:Entry {id: $id})
DETACH DELETE n

// name: verify
// A verification rewrites the record only: version and last_modified stay.
MATCH (n:Entry {id: $id})
SET n.record = $record
