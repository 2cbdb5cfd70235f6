/** Typed errors of the feedback store, with stable codes the API and the CLI share. */
import { BulwarkError } from "../core/errors.js";

export class FeedbackNotFoundError extends BulwarkError {
  constructor(id: string) {
    // The same answer for a report that does not exist and one the caller may not see,
    // so a client cannot learn which ids exist.
    super("FEEDBACK_NOT_FOUND", `feedback report "${id}" not found`, 404, { id });
    this.name = "FeedbackNotFoundError";
  }
}

export class FeedbackUsedError extends BulwarkError {
  constructor(id: string, usedBy: string) {
    super(
      "FEEDBACK_USED",
      `feedback report "${id}" was already used by ${usedBy}: its decision can no longer change`,
      409,
      { id, usedBy },
    );
    this.name = "FeedbackUsedError";
  }
}

export class CategoryRequiredError extends BulwarkError {
  constructor(id: string) {
    super(
      "CATEGORY_REQUIRED",
      `feedback report "${id}" reports a missed attack without a category: accept it with a category ` +
        `(prompt_injection, jailbreak, system_extraction or code_injection), which the model learns too`,
      400,
      { id },
    );
    this.name = "CategoryRequiredError";
  }
}
