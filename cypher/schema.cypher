// Constraints and indexes of the annuaire graph, applied in this order each time a store opens.
// Every statement says IF NOT EXISTS, so applying them again changes nothing.

// Entries carry :Entry and their kind's label (:Organization, :Service…). Ids are unique across
// kinds, as in the embedded store; (kind, id) serves the keyset pagination of entries().
CREATE CONSTRAINT entry_id IF NOT EXISTS FOR (n:Entry) REQUIRE n.id IS UNIQUE;
CREATE INDEX entry_kind_id IF NOT EXISTS FOR (n:Entry) ON (n.kind, n.id);

CREATE CONSTRAINT territory_code IF NOT EXISTS FOR (t:Territory) REQUIRE t.code IS UNIQUE;
CREATE INDEX territory_level IF NOT EXISTS FOR (t:Territory) ON (t.level);

CREATE CONSTRAINT audit_seq IF NOT EXISTS FOR (a:Audit) REQUIRE a.seq IS UNIQUE;
CREATE INDEX audit_entity IF NOT EXISTS FOR (a:Audit) ON (a.entity_id);

CREATE CONSTRAINT user_username IF NOT EXISTS FOR (u:User) REQUIRE u.username IS UNIQUE;
CREATE CONSTRAINT token_hash IF NOT EXISTS FOR (t:Token) REQUIRE t.hash IS UNIQUE;
CREATE INDEX token_username IF NOT EXISTS FOR (t:Token) ON (t.username);
CREATE CONSTRAINT throttle_count_key IF NOT EXISTS FOR (c:ThrottleCount) REQUIRE c.key IS UNIQUE;
CREATE INDEX throttle_count_last IF NOT EXISTS FOR (c:ThrottleCount) ON (c.last_at);

// One (:Meta {name: 'graph'}) node holds the revision and the last audit sequence number.
CREATE CONSTRAINT meta_name IF NOT EXISTS FOR (m:Meta) REQUIRE m.name IS UNIQUE;

// Referrals (cypher/referrals.cypher): one node per code; lists sort by when they were sent.
CREATE CONSTRAINT referral_code IF NOT EXISTS FOR (r:Referral) REQUIRE r.code IS UNIQUE;
CREATE INDEX referral_sent_at IF NOT EXISTS FOR (r:Referral) ON (r.sent_at);
CREATE CONSTRAINT referral_tally_key IF NOT EXISTS FOR (t:ReferralTally) REQUIRE t.key IS UNIQUE;
