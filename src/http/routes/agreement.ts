/** Agreement reports and exports (filled in by the agreement slice). */
import type { RouteSpec } from "../route.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const agreementRoutes: RouteSpec<any, any>[] = [];
