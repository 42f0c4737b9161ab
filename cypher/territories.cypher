// Reference territories (:Territory {code, level, name, record}), nested by (:Territory)-[:IN]->.

// name: put
// Inserts or replaces; the nesting is rewritten by territories:nest once every row exists.
UNWIND $rows AS row
MERGE (t:Territory {code: row.code})
SET t.level = row.level, t.name = row.name, t.record = row.record
WITH t
OPTIONAL MATCH (t)-[old:IN]->(:Territory)
DELETE old

// name: nest
UNWIND $rows AS row
MATCH (t:Territory {code: row.code})
MATCH (parent:Territory {code: row.parent_code})
CREATE (t)-[:IN]->(parent)

// name: all
MATCH (t:Territory)
RETURN t.record AS record
ORDER BY t.code

// name: of_level
MATCH (t:Territory {level: $level})
RETURN t.record AS record
ORDER BY t.code

// name: get
MATCH (t:Territory {code: $code})
RETURN t.record AS record
