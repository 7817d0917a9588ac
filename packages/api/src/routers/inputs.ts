/** zod pieces shared by the routers' inputs: every id is short and of plain characters, every number bounded. */
import { z } from 'zod';

/** Application, worker and executor ids: the characters the master generates, never a path. */
export const idSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'an id is letters, digits and . _ : - (as the master names things)');

export const intIdSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** Opaque paging cursor from a previous page's nextCursor. */
export const cursorSchema = z.string().max(512);

/** Page sizes: 1..1000, default 100. */
export const limitSchema = z.number().int().min(1).max(1000).default(100);
