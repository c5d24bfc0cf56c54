/**
 * What a use case was asked to act on is not there (a customer, the ticket behind a link). Not a
 * business rule's refusal with a code of its own: the API answers it as a plain 404 Not found.
 */
export class NotFound extends Error {
  override readonly name = 'NotFound';
}
