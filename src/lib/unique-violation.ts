import { Prisma } from '../generated/prisma/client';

/**
 * The columns or index named by a unique violation (P2002), as far as the
 * driver reports them, so services can say which field clashed.
 */
export function uniqueViolation(error: unknown): string[] | undefined {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError) || error.code !== 'P2002') return undefined;
  const meta = (error.meta ?? {}) as {
    target?: string[] | string;
    driverAdapterError?: { cause?: { constraint?: { fields?: string[]; index?: string } } };
  };
  const constraint = meta.driverAdapterError?.cause?.constraint;
  const names = [meta.target, constraint?.fields, constraint?.index].flat().filter((n): n is string => Boolean(n));
  return names;
}
