/**
 * Freezes a plain JSON-like value and everything in it, so one object can be handed to many
 * readers: a reader that tries to change it gets a TypeError instead of changing what the next
 * reader sees.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    // An array by index: a new version of a long frozen list (an expert's bookings) is walked
    // without first copying its elements into another array, as Object.values did.
    if (Array.isArray(value)) for (let i = 0; i < value.length; i++) deepFreeze(value[i]);
    else for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
