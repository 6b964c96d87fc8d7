-- Evidence of a report without proof (outcome unauthenticated: no contact,
-- no campaign) is filed under the department(s) whose contacts it names,
-- not under the intake that received it: the shared inbound listener
-- (system work) filed every such row under the default department, whose
-- staff then read addresses of other departments' contacts.
--
-- postbode_evidence_departments is the one rule (bounces.insertEvidence
-- and this migration): every department holding a contact of the
-- address, matched as bounce correlation and erasure match it
-- (lower(email) = lower(recipient)); when none does, the department of
-- the writer (the default department for system work, a department's own
-- webhook its department). It runs as its caller, so row-level security
-- shows a department-scoped intake only its own contacts: such an intake
-- never files into another department. One row is written per department
-- (an address held in two departments gives each its own copy, so each
-- scope reads the rows filed under it and nothing else); erasure and the
-- raw-mail expiry reach every copy by address or age (migrations 210, 220).
CREATE FUNCTION postbode_evidence_departments(recipient text) RETURNS SETOF bigint
LANGUAGE sql STABLE AS $$
    SELECT DISTINCT c.department_id FROM contacts c WHERE lower(c.email) = lower(recipient)
    UNION ALL
    SELECT postbode_department() WHERE NOT EXISTS (SELECT 1 FROM contacts c WHERE lower(c.email) = lower(recipient))
$$;

-- Existing evidence the shared listener filed under the default department
-- moves to the departments whose contacts it names: a copy for each other
-- such department, and the default department's row goes unless it holds
-- a contact of the address too. Evidence naming no contact stays.
INSERT INTO bounces (contact_id, campaign_id, inbound_id, recipient, class, reason, status, reply_code, action, diagnostic, source,
    counted, created_at, outcome, rule, status_rule, department_id)
SELECT NULL, NULL, b.inbound_id, b.recipient, b.class, b.reason, b.status, b.reply_code, b.action, b.diagnostic, b.source,
    false, b.created_at, b.outcome, b.rule, b.status_rule, d.id
FROM bounces b CROSS JOIN LATERAL postbode_evidence_departments(b.recipient) AS d (id)
WHERE b.outcome = 'unauthenticated' AND b.contact_id IS NULL AND b.campaign_id IS NULL AND b.recipient IS NOT NULL
  AND b.department_id = 1 AND d.id <> 1;
DELETE FROM bounces b
WHERE b.outcome = 'unauthenticated' AND b.contact_id IS NULL AND b.campaign_id IS NULL AND b.recipient IS NOT NULL
  AND b.department_id = 1 AND 1 NOT IN (SELECT postbode_evidence_departments(b.recipient));
