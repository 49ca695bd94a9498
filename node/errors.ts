/** A request field the node refuses: `field` names it, the message says why (the API answers 400 with both). */
export class InvalidFieldError extends Error {
  constructor(
    readonly field: string,
    reason: string,
  ) {
    super(`${field}: ${reason}`);
    this.name = new.target.name;
  }
}
