-- Dev mode only (repeatable, runs after every versioned migration): the demo account owned by the Keycloak user "demo" (fixed id in deploy/keycloak/dev/).
INSERT INTO accounts (id, owner_subject, email, display_name)
VALUES ('0d3e5a3c-0000-4000-8000-00000000de30', '7b0c2d3e-0000-4000-8000-00000000de30', 'demo@bitrouter.local', 'Demo Project')
ON CONFLICT DO NOTHING;
INSERT INTO namespaces (id, account_id, name)
VALUES ('ns_demo0000000000000000000001', '0d3e5a3c-0000-4000-8000-00000000de30', 'default')
ON CONFLICT DO NOTHING;
