import { DomainError } from "@/server/errors";

export interface DagNode {
  key: string;
  dependsOn: readonly string[];
}

/**
 * Checks a workflow's graph before anything is written: duplicate keys, dependencies on keys
 * that don't exist, self-dependencies and cycles. Throws BAD_REQUEST naming the offending keys;
 * returns the keys in a topological order otherwise.
 */
export function validateDag(nodes: readonly DagNode[]): string[] {
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const node of nodes) {
    if (seen.has(node.key)) duplicates.add(node.key);
    seen.add(node.key);
  }
  if (duplicates.size > 0) throw badGraph("duplicate task keys", duplicates);

  const unknown = new Set<string>();
  for (const node of nodes) {
    for (const dep of node.dependsOn) if (!seen.has(dep)) unknown.add(`${node.key} → ${dep}`);
  }
  if (unknown.size > 0) throw badGraph("dependencies on unknown keys", unknown);

  // Kahn's algorithm: whatever never reaches in-degree 0 is on or behind a cycle.
  const inDegree = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const node of nodes) {
    const deps = new Set(node.dependsOn);
    inDegree.set(node.key, deps.size);
    for (const dep of deps) {
      const list = dependents.get(dep);
      if (list) list.push(node.key);
      else dependents.set(dep, [node.key]);
    }
  }
  const order: string[] = [];
  const ready = [...inDegree].filter(([, degree]) => degree === 0).map(([key]) => key);
  for (let key = ready.pop(); key !== undefined; key = ready.pop()) {
    order.push(key);
    for (const next of dependents.get(key) ?? []) {
      const degree = (inDegree.get(next) ?? 0) - 1;
      inDegree.set(next, degree);
      if (degree === 0) ready.push(next);
    }
  }
  if (order.length < nodes.length) {
    const stuck = [...inDegree].filter(([, degree]) => degree > 0).map(([key]) => key);
    throw badGraph("a dependency cycle among", new Set(stuck));
  }
  return order;
}

function badGraph(problem: string, keys: Set<string>): DomainError {
  const listed = [...keys].slice(0, 20).map((key) => JSON.stringify(key));
  const more = keys.size > 20 ? ` and ${keys.size - 20} more` : "";
  return new DomainError("BAD_REQUEST", `tasks: ${problem}: ${listed.join(", ")}${more}`);
}
