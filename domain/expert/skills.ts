/**
 * Skills are plain names compared case- and spacing-insensitively: "Gas  Oven" and "gas oven"
 * are one skill. Experts, catalog models and visits all store skills in this normal form, so
 * matching is a set comparison.
 */

/** Trimmed, lower-case, inner whitespace collapsed to one space. */
export function normalizeSkill(skill: string): string {
  return skill.trim().toLowerCase().replace(/\s+/g, ' ');
}

/** Normalized, empty entries kept out, duplicates removed, sorted (so equal sets are equal arrays). */
export function normalizeSkills(skills: readonly string[]): string[] {
  return [...new Set(skills.map(normalizeSkill).filter((s) => s.length > 0))].sort();
}

/** A valid skill list has at least one skill and no entry that is blank. */
export function isValidSkillList(skills: readonly string[]): boolean {
  return Array.isArray(skills) && skills.length > 0 && skills.every((s) => typeof s === 'string' && normalizeSkill(s).length > 0);
}

/** Does `has` cover every skill in `needs`? Both sides are normalized first. */
export function hasAllSkills(has: readonly string[], needs: readonly string[]): boolean {
  const own = new Set(normalizeSkills(has));
  return normalizeSkills(needs).every((s) => own.has(s));
}
