/**
 * Which role may act on a job, by its type. Most jobs (training, imports) are started and
 * cancelled by analysts; the audit trail's jobs are reserved to admins like the rest of the
 * audit trail, because cancelling the snapshot job is how someone who means to edit the
 * log keeps the edit from being sealed under Object Lock. A learning cycle is an admin's
 * too: it may put its challenger into production. Retention and erasure delete data for
 * good: admins only. Backups hold every secret and password hash: admins only.
 */
import { BulwarkError } from "../../core/errors.js";
import { allows, type Access, type Principal } from "./roles.js";

const ADMIN_ONLY_PREFIXES = ["audit.", "learn.", "privacy.", "backup."];

export function jobAccess(type: string): Access {
  return ADMIN_ONLY_PREFIXES.some((p) => type.startsWith(p)) ? "admin" : "operate";
}

/** Throws 403 FORBIDDEN when the caller's role may not start or cancel a job of this type. */
export function assertJobAccess(principal: Principal | undefined, type: string, verb: string): void {
  const needs = jobAccess(type);
  if (principal && allows(principal.role, needs)) return;
  throw new BulwarkError(
    "FORBIDDEN",
    `only an admin may ${verb} a ${type} job (the ${principal?.role ?? "anonymous"} role may not)`,
    403,
    { jobType: type, needs },
  );
}
