/**
 * Who may do what. Three roles, each a superset of the one below:
 * client (detect only) < analyst (read everything, run training and imports)
 * < admin (everything: users, keys, promotions, Object Lock bypass, audit).
 * Routes name the access they need; this table is the only place that maps it to roles.
 */
import type { KeyBudget } from "./budgets.js";

export const ROLES = ["admin", "analyst", "client"] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}

/** detect: screen texts; read: see data, models, runs, jobs; operate: start work; admin: change who and what is trusted. */
export type Access = "detect" | "read" | "operate" | "admin";

const RANK: Record<Role, number> = { client: 0, analyst: 1, admin: 2 };
const NEEDS: Record<Access, number> = { detect: 0, read: 1, operate: 1, admin: 2 };

export function allows(role: Role, access: Access): boolean {
  return RANK[role] >= NEEDS[access];
}

/** The authenticated caller of a request. */
export interface Principal {
  kind: "user" | "key";
  /** User id or API key id. */
  id: string;
  /** Username or key name, for audit entries and logs. */
  name: string;
  role: Role;
  /** An API key's own budgets (rate limit, daily quota), when it has them. */
  budget?: KeyBudget;
}

/** How an actor appears in the audit log: "user:alice", "key:ci-scanner", "system". */
export function actorOf(p: Principal | undefined, fallback = "anonymous"): string {
  return p ? `${p.kind}:${p.name}` : fallback;
}
