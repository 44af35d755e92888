// Searches that mean "contains this text": the user's %, _ and \ match
// themselves, escaped with a backslash, LIKE's (and ILIKE's) default escape.
// For Prisma's `contains` (which adds the % on each side but escapes nothing)
// and for SQL written by hand.

export const escapeLike = (term: string): string => term.replace(/[\\%_]/g, (c) => `\\${c}`);

/** `term` anywhere in the text, as a complete LIKE pattern. */
export const containsPattern = (term: string): string => `%${escapeLike(term)}%`;
