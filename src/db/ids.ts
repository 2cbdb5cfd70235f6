/**
 * Ids for database rows: a prefix that says what it is, a fixed-width time part (so ids
 * sort by creation, across processes too, to the millisecond) and random bits.
 */
import { randomBytes } from "node:crypto";

let last = 0;
let counter = 0;

export function newId(prefix: string): string {
  const now = Date.now();
  // Within one millisecond a counter keeps this process's ids in creation order.
  counter = now === last ? counter + 1 : 0;
  last = now;
  const time = now.toString(36).padStart(9, "0");
  const seq = counter.toString(36).padStart(3, "0");
  return `${prefix}_${time}${seq}${randomBytes(5).toString("hex")}`;
}
