/** Review, blind sufficiency checks and adjudication (filled in by the review slice). */
import type { RouteSpec } from "../route.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const reviewRoutes: RouteSpec<any, any>[] = [];
