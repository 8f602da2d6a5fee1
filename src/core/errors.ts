// Two kinds of error (see STYLE.md): a UserError is for the person, with the
// right form of the command; anything else is ours, logged with an id, and the
// person gets a short apology with that id, never a stack.

export class UserError extends Error {
  constructor(
    message: string,
    /** How to do it right, e.g. the command's usage line. */
    readonly hint?: string,
    /** A stable identifier for tests and metrics, e.g. "site.duplicate". */
    readonly code: string = "user-error",
  ) {
    super(message);
    this.name = "UserError";
  }
}

export class PermissionError extends UserError {
  constructor(message: string) {
    super(message, undefined, "permission-denied");
    this.name = "PermissionError";
  }
}
