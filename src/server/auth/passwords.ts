/**
 * Password hashing with argon2id (@node-rs/argon2 defaults: 19 MiB, 2 passes), and the
 * random secrets Bulwark generates (first admin password, JWT secret).
 */
import { hash, verify } from "@node-rs/argon2";
import { randomBytes } from "node:crypto";
import { ValidationError } from "../../core/errors.js";

export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 1024;

export function checkPasswordPolicy(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new ValidationError(`a password needs at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  if (password.length > MAX_PASSWORD_LENGTH) {
    throw new ValidationError(`a password may have at most ${MAX_PASSWORD_LENGTH} characters`);
  }
}

export function hashPassword(password: string): Promise<string> {
  return hash(password);
}

export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}

/** A hash to compare against when the user does not exist, so timing does not reveal usernames. */
let dummy: Promise<string> | undefined;
export function dummyPasswordHash(): Promise<string> {
  dummy ??= hash(randomBytes(16).toString("hex"));
  return dummy;
}

/** 24 random characters from a 64-letter alphabet (144 bits). */
export function generatePassword(): string {
  return randomBytes(18).toString("base64url");
}
