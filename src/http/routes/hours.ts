/** The hours ledger (filled in by the hours slice). */
import type { RouteSpec } from "../route.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const hoursRoutes: RouteSpec<any, any>[] = [];
