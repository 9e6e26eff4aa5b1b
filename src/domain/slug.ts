/** Slugs: the short names tenants and projects are addressed by in URLs and on the command line. */
import { z } from "zod";

/** 1-64 lowercase letters, digits and inner hyphens. */
export const slugSchema = z.string().regex(/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/, "use 1-64 lowercase letters, digits and inner hyphens");
