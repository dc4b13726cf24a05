/**
 * A resource (pool or agent-scoped) name: what `requires`, `task-manager.yaml`'s pools and
 * `resources.upsert` accept, so a name valid in one place is valid in all.
 */
export const RESOURCE_NAME = /^[a-z][a-z0-9_]*$/;
