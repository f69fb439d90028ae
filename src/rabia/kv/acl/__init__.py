"""Redis ACL users, pure logic: the catalog of command ids and categories, users and their
rules, the user table and its snapshot form, permission checks (ADR-free: see
docs/kv.md, "ACL"). Nothing here knows the command table: ``rabia.kv.commands.acl_*``
builds the catalog from it and runs the ACL command."""
